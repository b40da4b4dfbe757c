"""Item-item cosine similarity, top-K neighbours per item, in row blocks of bounded memory.

A block of items' similarities is one product of the l2-normalised item rows with all item rows, done
one of two ways, whichever the cost model below expects to be faster (the result is the same):

- dense: sparse block times the dense users x items matrix. Fast per multiply-add, but every block row
  costs n_items whatever the data, and the dense matrix has to fit in `block_bytes`. Small catalogues.
- sparse: sparse times sparse (scipy), which only touches co-rated pairs. Large catalogues.

Either way the k best per row are picked without sorting whole rows: a cheap per-row lower bound on
the k-th best score keeps a few more than k candidates, and only those are sorted. Blocks run on a few
threads, since scipy's and numpy's kernels release the GIL.
"""

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

# Bytes of working set one block may hold; blocks of items are sized to fit.
BLOCK_BYTES = 64 * 2**20
# Blocks larger than this are no faster (they fall out of the CPU caches), so blocks stop growing here.
_FAST_BLOCK_BYTES = 16 * 2**20

# Measured cost model, in nanoseconds (2-core x86-64, numpy 2.4, scipy 1.17): the dense product costs
# _DENSE_MULTIPLY per (rating, item) and _DENSE_SELECT per (item, item) cell; the sparse one costs
# _SPARSE_MULTIPLY per multiply-add (a rating times its rater's ratings) and _SPARSE_SELECT per pair.
_DENSE_MULTIPLY, _DENSE_SELECT = 0.2, 2.0
_SPARSE_MULTIPLY, _SPARSE_SELECT = 7.0, 7.0

# Sparse selection: scores are counted into logarithmic buckets, the float32 bits shifted right by
# _SHIFT (2**(23 - _SHIFT) buckets per octave), from _LOWEST (lower and non-positive scores share the
# bottom bucket) to 1.0 (cosines do not exceed it beyond rounding).
_SHIFT = 18
_LOWEST = np.float32(2.0**-16)
_HIGHEST = np.float32(1.0)
_LOWEST_BITS = int(_LOWEST.view(np.int32))
_N_BUCKETS = ((int(_HIGHEST.view(np.int32)) - _LOWEST_BITS) >> _SHIFT) + 1
_SPARSE_PAIR_BYTES = 40  # product data and indices, bucket and threshold arrays, co-rater product
_SPARSE_ROW_BYTES = 12 * _N_BUCKETS  # a row's histogram and its cumulative sum

Triples = tuple[np.ndarray, np.ndarray, np.ndarray]  # item, neighbour, score


def item_neighbors(
    interactions: sp.csr_matrix,
    *,
    k: int = 50,
    shrinkage: float = 0.0,
    block_bytes: int = BLOCK_BYTES,
    on_block: Callable[[int], None] | None = None,
) -> sp.csr_matrix:
    """Items x items matrix whose row i holds the k items most cosine-similar to item i (never i itself).

    Similarity is the cosine between item columns of `interactions`. With `shrinkage` > 0 a pair
    with n co-raters is scaled by n / (n + shrinkage), so pairs seen by few users count less.
    Ties at the k-th place go to the lower item index. Only positive similarities are kept.
    Items are processed in blocks whose working set is about `block_bytes` at most (one block per
    thread at a time); `on_block(items_done)` is called after each block, in order.
    """
    n_items = interactions.shape[1]
    k = max(0, min(k, n_items - 1))
    if k == 0 or interactions.nnz == 0:
        if on_block and n_items:
            on_block(n_items)
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    method = _products(interactions, k=k, shrinkage=shrinkage, block_bytes=block_bytes)
    blocks = method.blocks(block_bytes)

    rows, cols, scores = [], [], []
    for (_, stop), (block_rows, block_cols, block_scores) in zip(blocks, _run(method.top_k, blocks), strict=True):
        rows.append(block_rows)
        cols.append(block_cols)
        scores.append(block_scores)
        if on_block:
            on_block(stop)
    return sp.csr_matrix(
        (np.concatenate(scores), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_items, n_items),
        dtype=np.float32,
    )


def item_neighbors_block(
    interactions: sp.csr_matrix, start: int, stop: int, *, k: int = 50, shrinkage: float = 0.0
) -> Triples:
    """Rows start..stop-1 of `item_neighbors(interactions, ...)`, as (item, neighbour, score) triples.

    Each row depends only on the whole interaction matrix, not on the other rows, so a fit can be split
    into item ranges computed anywhere (other processes, other hosts) and put together: the union of
    the blocks is exactly the single-process result.
    """
    n_items = interactions.shape[1]
    k = max(0, min(k, n_items - 1))
    if k == 0 or interactions.nnz == 0 or start >= stop:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return _products(interactions, k=k, shrinkage=shrinkage, block_bytes=BLOCK_BYTES).top_k(start, stop)


def _products(interactions: sp.csr_matrix, *, k: int, shrinkage: float, block_bytes: int):
    """The similarity product (dense or sparse, whichever the cost model expects to be faster)."""
    by_item = normalize(interactions.T.tocsr().astype(np.float32), norm="l2", axis=1)
    co_rated = None
    if shrinkage > 0:
        co_rated = by_item.copy()
        co_rated.data[:] = 1.0
    products = _DenseProducts if _DenseProducts.cheaper(by_item, block_bytes, shrinkage) else _SparseProducts
    return products(by_item, co_rated, shrinkage, k)


def _run(top_k: Callable[[int, int], Triples], blocks: list[tuple[int, int]]) -> Iterator[Triples]:
    """top_k of each block, in order, a block per CPU at a time (scipy and numpy release the GIL)."""
    threads = min(_cpus(), len(blocks))
    if threads <= 1:
        yield from (top_k(start, stop) for start, stop in blocks)
        return
    with ThreadPoolExecutor(threads) as pool:
        try:
            yield from pool.map(lambda block: top_k(*block), blocks)
        finally:
            pool.shutdown(cancel_futures=True)  # on an error (or a raising on_block), skip the rest


def _cpus() -> int:
    """CPUs this process may run on (what the container grants, not what the host has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class _DenseProducts:
    """Similarities as a sparse block times the dense (padded) users x items matrix.

    The bound on each row's k-th best score: split the row's columns into groups and take the k-th
    largest group maximum; k distinct entries are at least that large. With ~3k groups per row it is
    usually within a few places of the k-th best score itself.
    """

    def __init__(self, by_item: sp.csr_matrix, co_rated: sp.csr_matrix | None, shrinkage: float, k: int):
        self.by_item, self.co_rated, self.shrinkage, self.k = by_item, co_rated, shrinkage, k
        n_items = by_item.shape[0]
        self.group_size = _group_size(n_items, k)
        self.n_groups = -(-n_items // self.group_size)
        self.width = self.n_groups * self.group_size  # padded with zero columns, never candidates
        self.by_user = _dense_by_user(by_item, self.width)
        self.co_rated_by_user = None if co_rated is None else _dense_by_user(co_rated, self.width)

    @staticmethod
    def cheaper(by_item: sp.csr_matrix, block_bytes: int, shrinkage: float) -> bool:
        """Whether the dense users x items matrices fit in half of `block_bytes` and the cost model
        expects the dense product to be faster."""
        n_items, n_users = by_item.shape
        if (2 if shrinkage > 0 else 1) * 4 * n_users * n_items > block_bytes // 2:
            return False
        dense = n_items * (by_item.nnz * _DENSE_MULTIPLY + n_items * _DENSE_SELECT)
        multiplies, pairs = _sparse_work(by_item)
        return dense < multiplies.sum() * _SPARSE_MULTIPLY + pairs.sum() * _SPARSE_SELECT

    def blocks(self, block_bytes: int) -> list[tuple[int, int]]:
        """Equal blocks of rows, the dense matrices and a block per CPU within `block_bytes`; a row's
        working set: its scores, its co-rater counts, the comparison mask and smaller temporaries."""
        dense_bytes = self.by_user.nbytes + (0 if self.co_rated_by_user is None else self.co_rated_by_user.nbytes)
        per_block = min((block_bytes - dense_bytes) // _cpus(), _FAST_BLOCK_BYTES)
        rows = max(1, per_block // (4 * self.width * (3 if self.co_rated is not None else 2)))
        n_items = self.by_item.shape[0]
        return [(start, min(start + rows, n_items)) for start in range(0, n_items, rows)]

    def top_k(self, start: int, stop: int) -> Triples:
        n_rows, k = stop - start, self.k
        sims = self.by_item[start:stop] @ self.by_user
        if self.co_rated is not None:
            co_raters = self.co_rated[start:stop] @ self.co_rated_by_user
            sims *= co_raters / (co_raters + np.float32(self.shrinkage))
        sims[np.arange(n_rows), np.arange(start, stop)] = 0.0  # an item is not its own neighbour
        group_max = sims.reshape(n_rows, self.group_size, self.n_groups).max(axis=1)
        bound = np.partition(group_max, self.n_groups - k, axis=1)[:, self.n_groups - k]
        np.maximum(bound, np.finfo(np.float32).tiny, out=bound)  # positive scores only
        positions = np.flatnonzero(sims >= bound[:, None])
        rows = positions // self.width
        return _best_k(rows, positions - rows * self.width, sims.ravel()[positions], start, n_rows, k)


def _group_size(n_items: int, k: int) -> int:
    """Columns per group for the dense bound: a power of two (at most 64) leaving >= 3k groups."""
    size = 1
    while size < 64 and n_items // (2 * size) >= 3 * k:
        size *= 2
    return size


def _dense_by_user(by_item: sp.csr_matrix, width: int) -> np.ndarray:
    """The users x items matrix, dense, padded with zero columns to `width`."""
    by_user = by_item.T.tocsr()
    by_user.resize((by_user.shape[0], width))
    return by_user.toarray()


class _SparseProducts:
    """Similarities as sparse times sparse: only co-rated pairs are touched.

    The bound on each row's k-th best score comes from a histogram of the row's scores in logarithmic
    buckets: the bucket holding the (k+1)-th best entry (k+1: the item itself is among them).
    """

    def __init__(self, by_item: sp.csr_matrix, co_rated: sp.csr_matrix | None, shrinkage: float, k: int):
        self.by_item, self.co_rated, self.shrinkage, self.k = by_item, co_rated, shrinkage, k
        self.by_user = by_item.T.tocsr()  # csr @ csr: scipy would convert any other format on every block
        self.co_rated_by_user = None if co_rated is None else co_rated.T.tocsr()

    def blocks(self, block_bytes: int) -> list[tuple[int, int]]:
        """Consecutive row ranges, a block per CPU within `block_bytes`, by the estimated working set
        of each row; a row larger than a block's share gets a block of its own."""
        n_items = self.by_item.shape[0]
        _, pairs = _sparse_work(self.by_item)
        row_bytes = pairs * _SPARSE_PAIR_BYTES + _SPARSE_ROW_BYTES
        offsets = np.cumsum(row_bytes) - row_bytes  # bytes before each row
        block_of_row = offsets // max(1, min(block_bytes // _cpus(), _FAST_BLOCK_BYTES))
        starts = np.concatenate([[0], np.flatnonzero(np.diff(block_of_row)) + 1])
        stops = np.append(starts[1:], n_items)
        return list(zip(starts.tolist(), stops.tolist(), strict=True))

    def top_k(self, start: int, stop: int) -> Triples:
        sims = self.by_item[start:stop] @ self.by_user
        if self.co_rated is not None:
            _shrink(sims, self.co_rated[start:stop] @ self.co_rated_by_user, self.shrinkage)
        n_rows, k = stop - start, self.k
        buckets = np.clip(sims.data, _LOWEST, _HIGHEST).view(np.int32)  # finite: normalize refuses NaN, inf
        buckets -= _LOWEST_BITS
        buckets >>= _SHIFT
        # One histogram row per item: csr -> dense adds up the duplicate (row, bucket) entries.
        ones = np.ones(len(buckets), dtype=np.int32)
        histogram = sp.csr_matrix((ones, buckets, sims.indptr), shape=(n_rows, _N_BUCKETS)).toarray()
        at_least = np.cumsum(histogram[:, ::-1], axis=1, dtype=np.int32)  # [r, j]: entries in the top j+1 buckets
        full_buckets = (at_least < k + 1).sum(axis=1, dtype=np.int32)  # top buckets with < k+1 entries together
        cut = _N_BUCKETS - 1 - full_buckets  # -1 where the whole row has at most k entries
        n_candidates = at_least[np.arange(n_rows), np.minimum(full_buckets, _N_BUCKETS - 1)]
        candidates = np.flatnonzero(buckets >= np.repeat(cut, np.diff(sims.indptr)))
        rows = np.repeat(np.arange(n_rows), n_candidates)
        cols = sims.indices[candidates]
        keep = cols != rows + start  # an item is not its own neighbour
        return _best_k(rows[keep], cols[keep], sims.data[candidates][keep], start, n_rows, k)


def _sparse_work(by_item: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Per item: the multiply-adds of its sparse product row (its raters' rating counts, summed) and
    an upper bound on that row's entries (the same, capped at the number of items)."""
    ratings_per_user = np.bincount(by_item.indices, minlength=by_item.shape[1]).astype(np.int64)
    reach = np.concatenate([[0], np.cumsum(ratings_per_user[by_item.indices])])
    multiplies = reach[by_item.indptr[1:]] - reach[by_item.indptr[:-1]]
    return multiplies, np.minimum(multiplies, by_item.shape[0])


def _shrink(sims: sp.csr_matrix, co_raters: sp.csr_matrix, shrinkage: float) -> None:
    """Scale each similarity by n / (n + shrinkage), n its co-raters, in place.

    Both products walk the same structure in the same order, so their entries line up, except where
    a similarity summed to exactly zero (scipy drops those; possible with explicit ratings): then the
    co-rater counts are looked up by (row, column).
    """
    counts = co_raters.data
    if co_raters.nnz != sims.nnz:
        sims.sort_indices()
        co_raters.sort_indices()
        n_cols = np.int64(sims.shape[1])
        wanted = _row_ids(sims.indptr) * n_cols + sims.indices
        present = _row_ids(co_raters.indptr) * n_cols + co_raters.indices
        counts = counts[np.searchsorted(present, wanted)]
    sims.data *= counts / (counts + np.float32(shrinkage))


def _row_ids(indptr: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))


def _best_k(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, start: int, n_rows: int, k: int) -> Triples:
    """The k best positive candidates per row: highest score, then lowest column.

    `rows` (0 .. n_rows-1, for items start, start+1, ...) must be ascending. Many scores tie exactly
    (items rated by the same few users), so rows can have far more candidates than k.
    """
    positive = scores > 0
    rows, cols, scores = rows[positive], cols[positive], scores[positive]
    # Positive float32 scores order like their bits, so the best candidate has the smallest key.
    keys = (np.int64(0x7FFFFFFF) - scores.view(np.int32)) << 31 | cols
    order, starts = _order_within_rows(rows, keys, n_rows)
    rows, cols, scores = rows[order], cols[order], scores[order]
    best = np.arange(len(rows)) - starts[rows] < k
    return rows[best] + start, cols[best], scores[best]


def _order_within_rows(rows: np.ndarray, keys: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Permutation sorting entries grouped by row (rows ascending) by key within each row; row starts.

    scipy's csr sort_indices is a per-row C++ sort: run on a throwaway matrix whose column indices are
    the keys, it is several times faster than np.lexsort((keys, rows)).
    """
    starts = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
    if not len(keys):
        return np.arange(0), starts
    holder = sp.csr_matrix((np.arange(len(keys)), keys, starts), shape=(n_rows, int(keys.max()) + 1))
    holder.sort_indices()
    return holder.data, starts


def item_neighbors_refresh(
    interactions: sp.csr_matrix,
    neighbors: sp.csr_matrix,
    dirty: np.ndarray,
    *,
    k: int,
    shrinkage: float = 0.0,
) -> sp.csr_matrix:
    """`neighbors` (an earlier `item_neighbors` result) brought up to date with `interactions`, in which
    only the columns of the `dirty` items changed. Items beyond `neighbors`' size are new (and dirty).

    A similarity changes only if one of its two items changed, so the dirty items' rows are recomputed
    whole (one |dirty| x items product, not items x items) and every other row keeps its entries for clean
    items and takes the fresh similarities to the dirty ones (cosines are symmetric). Exact, with one
    exception: a row whose dirty neighbour fell out of its top k has no stored runner-up to promote, so it
    holds fewer than k until the next full fit.
    """
    n_items = interactions.shape[1]
    k = max(0, min(k, n_items - 1))
    old = neighbors.tocoo()
    is_dirty = np.zeros(n_items, dtype=bool)
    is_dirty[np.asarray(dirty, dtype=np.int64)] = True
    is_dirty[neighbors.shape[0] :] = True
    dirty = np.flatnonzero(is_dirty)
    by_item = normalize(interactions.T.tocsr().astype(np.float32), norm="l2", axis=1)
    sims = (by_item[dirty] @ by_item.T.tocsr()).tocsr()
    if shrinkage > 0 and sims.nnz:
        co_rated = by_item.copy()
        co_rated.data[:] = 1.0
        _shrink(sims, co_rated[dirty] @ co_rated.T.tocsr(), shrinkage)
    fresh = sims.tocoo()
    fresh_rows = dirty[fresh.row]
    not_self = fresh_rows != fresh.col
    fresh_rows, fresh_cols, fresh_scores = fresh_rows[not_self], fresh.col[not_self], fresh.data[not_self]
    kept = ~is_dirty[old.row] & ~is_dirty[old.col]
    mirrored = ~is_dirty[fresh_cols]  # clean items' similarity to a dirty one
    rows = np.concatenate([old.row[kept], fresh_rows, fresh_cols[mirrored]]).astype(np.int64)
    cols = np.concatenate([old.col[kept], fresh_cols, fresh_rows[mirrored]]).astype(np.int64)
    scores = np.concatenate([old.data[kept], fresh_scores, fresh_scores[mirrored]]).astype(np.float32)
    order = np.argsort(rows, kind="stable")
    rows, cols, scores = _best_k(rows[order], cols[order], scores[order], 0, n_items, k)
    return sp.csr_matrix((scores, (rows, cols)), shape=(n_items, n_items), dtype=np.float32)

"""Item-item cosine similarity, top-K neighbours per item, in row blocks of bounded memory.

Each item's similarities and their top K come from one fused pass (recengine.knn_kernel, compiled with
numba): accumulate the item's products with every co-rated item, then keep the K best in a heap, so only
co-rated pairs cost anything and no similarity matrix is ever built. Blocks of items run on a thread per
CPU (the kernel releases the GIL).
"""

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

# Bytes of working set one block may hold; blocks of items are sized to fit.
BLOCK_BYTES = 64 * 2**20
# Blocks are cut at about equal work (multiply-adds), several per thread so that a thread left with a
# slow block does not hold up the fit, and none smaller than this (a kernel call costs microseconds).
_BLOCKS_PER_THREAD = 8
_MIN_BLOCK_WORK = 2**20
# A kernel call's accumulators (sums and co-rater counts, float32) per item, and its output (item,
# score) per kept neighbour.
_ACCUMULATOR_BYTES = 8
_NEIGHBOUR_BYTES = 8

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
    products = _Products(interactions, shrinkage)
    blocks = products.blocks(k, block_bytes)
    threads = min(_cpus(), len(blocks))
    counts, neighbours, scores = [], [], []
    with ThreadPoolExecutor(threads) as pool:
        try:
            results = pool.map(lambda block: products.top_k(np.arange(*block), k), blocks)
            for (_, stop), (block_counts, block_neighbours, block_scores) in zip(blocks, results, strict=True):
                counts.append(block_counts)
                neighbours.append(block_neighbours)
                scores.append(block_scores)
                if on_block:
                    on_block(stop)
        finally:
            pool.shutdown(cancel_futures=True)  # on an error (or a raising on_block), skip the rest
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(counts))])
    return sp.csr_matrix(
        (np.concatenate(scores), np.concatenate(neighbours), indptr), shape=(n_items, n_items), dtype=np.float32
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
    counts, neighbours, scores = _Products(interactions, shrinkage).top_k(np.arange(start, stop), k)
    return np.repeat(np.arange(start, stop), counts), neighbours.astype(np.int64), scores


class _Products:
    """The l2-normalised item rows and their transpose, which every block's kernel call reads."""

    def __init__(self, interactions: sp.csr_matrix, shrinkage: float):
        self.by_item = normalize(interactions.T.tocsr().astype(np.float32), norm="l2", axis=1)
        self.by_user = self.by_item.T.tocsr()
        self.shrinkage = shrinkage

    def top_k(self, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(count per row, neighbours, scores) of `rows`' k best neighbours, each row's by item."""
        from recengine.knn_kernel import top_k_rows  # numba: imported by fits and refreshes only

        by_item, by_user = self.by_item, self.by_user
        return top_k_rows(
            by_item.indptr, by_item.indices, by_item.data, by_user.indptr, by_user.indices, by_user.data,
            rows.astype(np.int64), k, float(self.shrinkage),
        )  # fmt: skip

    def blocks(self, k: int, block_bytes: int) -> list[tuple[int, int]]:
        """Consecutive row ranges of about equal work (_MIN_BLOCK_WORK at least), each within a thread's
        share of `block_bytes`: the thread's accumulators and the block's k neighbours per row."""
        n_items = self.by_item.shape[0]
        work = _row_work(self.by_item) + 1  # + 1: an unrated item's row still costs a little
        per_block = max(_MIN_BLOCK_WORK, int(work.sum()) // (_BLOCKS_PER_THREAD * _cpus()))
        block_of_row = (np.cumsum(work) - work) // per_block  # work before each row, in blocks
        starts = np.concatenate([[0], np.flatnonzero(np.diff(block_of_row)) + 1]).tolist()
        stops = [*starts[1:], n_items]
        room = block_bytes // _cpus() - n_items * _ACCUMULATOR_BYTES
        most_rows = max(1, room // (k * _NEIGHBOUR_BYTES))
        return [
            (first, min(first + most_rows, stop))
            for start, stop in zip(starts, stops, strict=True)
            for first in range(start, stop, most_rows)
        ]


def _row_work(by_item: sp.csr_matrix) -> np.ndarray:
    """Per item: the multiply-adds of its row of the product (its raters' rating counts, summed)."""
    ratings_per_user = np.bincount(by_item.indices, minlength=by_item.shape[1]).astype(np.int64)
    reach = np.concatenate([[0], np.cumsum(ratings_per_user[by_item.indices])])
    return reach[by_item.indptr[1:]] - reach[by_item.indptr[:-1]]


def _cpus() -> int:
    """CPUs this process may run on (what the container grants, not what the host has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def column_norms(interactions: sp.csr_matrix) -> np.ndarray:
    """Each item's l2 norm over its column of `interactions` (cosine's denominator), in float32 as the fit's
    normalisation computes it."""
    by_item = interactions.T.tocsr().astype(np.float32)
    return np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=1), dtype=np.float32).ravel())


def lists_merge(old: sp.csr_matrix, fresh: Triples, is_dirty: np.ndarray, rows: np.ndarray, *, k: int) -> sp.csr_matrix:
    """The new lists of `rows` (others come out empty): the `fresh` similarities of the dirty items (every
    positive one, `live_knn.live_dirty_rows`) in place of `old` entries that involve a dirty item, mirrored into
    the clean rows (cosines are symmetric), then each row's k best (highest score, then lowest item)."""
    n_items = old.shape[0]
    k = max(0, min(k, n_items - 1))
    wanted = np.zeros(n_items, dtype=bool)
    wanted[np.asarray(rows, dtype=np.int64)] = True
    old = old.tocoo()
    fresh_rows, fresh_cols, fresh_scores = fresh
    kept = wanted[old.row] & ~is_dirty[old.row] & ~is_dirty[old.col]
    mirrored = ~is_dirty[fresh_cols] & wanted[fresh_cols]  # clean items' similarity to a dirty one
    own = wanted[fresh_rows]
    rows = np.concatenate([old.row[kept], fresh_rows[own], fresh_cols[mirrored]]).astype(np.int64)
    cols = np.concatenate([old.col[kept], fresh_cols[own], fresh_rows[mirrored]]).astype(np.int64)
    scores = np.concatenate([old.data[kept], fresh_scores[own], fresh_scores[mirrored]]).astype(np.float32)
    order = np.argsort(rows, kind="stable")
    rows, cols, scores = _best_k(rows[order], cols[order], scores[order], n_items, k)
    return sp.csr_matrix((scores, (rows, cols)), shape=(n_items, n_items), dtype=np.float32)


def list_floors(lists: sp.csr_matrix, *, k: int) -> np.ndarray:
    """Each row's lowest kept score when it holds k entries (a similarity below it cannot enter), else 0."""
    lists = lists.tocsr()
    sizes = np.diff(lists.indptr)
    floors = np.zeros(lists.shape[0])
    nonempty = np.flatnonzero(sizes > 0)
    if len(nonempty):
        lowest = np.minimum.reduceat(lists.data, lists.indptr[nonempty])
        full = sizes[nonempty] >= k
        floors[nonempty[full]] = lowest[full]
    return floors


def _best_k(rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, n_rows: int, k: int) -> Triples:
    """The k best positive candidates per row: highest score, then lowest column.

    `rows` must be ascending. Many scores tie exactly (items rated by the same few users), so rows can
    have far more candidates than k.
    """
    positive = scores > 0
    rows, cols, scores = rows[positive], cols[positive], scores[positive]
    # Positive float32 scores order like their bits, so the best candidate has the smallest key.
    keys = (np.int64(0x7FFFFFFF) - scores.view(np.int32)) << 31 | cols
    order, starts = _order_within_rows(rows, keys, n_rows)
    rows, cols, scores = rows[order], cols[order], scores[order]
    best = np.arange(len(rows)) - starts[rows] < k
    return rows[best], cols[best], scores[best]


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

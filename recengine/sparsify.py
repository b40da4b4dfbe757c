"""Keeping the k strongest weights of each row of a dense block: how the learnt algorithms (RP3beta,
EASE) turn their item x item weights into item lists of bounded size."""

import numpy as np

# Bytes of dense weights one block of rows may hold; a fit's extra memory is a few times this.
BLOCK_BYTES = 32 * 2**20

Triples = tuple[np.ndarray, np.ndarray, np.ndarray]  # item, neighbour, weight


def block_rows(n_items: int, *, block_bytes: int = BLOCK_BYTES) -> list[tuple[int, int]]:
    """Consecutive row ranges of an n_items-wide float64 matrix, each within `block_bytes`."""
    rows = max(1, block_bytes // (8 * max(n_items, 1)))
    return [(start, min(start + rows, n_items)) for start in range(0, n_items, rows)]


def top_k_rows(block: np.ndarray, *, start: int, k: int, absolute: bool = False) -> Triples:
    """The k largest weights of each row of `block` (rows start, start+1, ... of an items x items
    matrix), never the diagonal, as (row, column, weight) triples, rows ascending.

    Largest by value, or by absolute value when `absolute` (negative weights kept too); a zero weight is
    never kept. Ties at the k-th place go to the lower column. Rows are not sorted whole: the columns
    are dealt into groups, and the k-th largest group maximum is a lower bound on the k-th largest
    weight (k distinct entries reach it) that leaves few candidates to sort.
    """
    n_rows, n_cols = block.shape
    size = _group_size(n_cols, k)
    n_groups = -(-n_cols // size)
    key = np.zeros((n_rows, n_groups * size))  # padded with zeros, never candidates
    key[:, :n_cols] = np.abs(block) if absolute else block
    own = np.arange(start, start + n_rows)
    inside = own < n_cols
    key[np.flatnonzero(inside), own[inside]] = 0.0  # an item is not on its own list
    bound = np.full(n_rows, np.finfo(np.float64).tiny)
    if k < n_groups:
        group_max = key.reshape(n_rows, size, n_groups).max(axis=1)
        np.maximum(bound, np.partition(group_max, n_groups - k, axis=1)[:, n_groups - k], out=bound)
    rows, cols = np.nonzero(key >= bound[:, None])
    order = np.lexsort((cols, -key[rows, cols], rows))
    rows, cols = rows[order], cols[order]
    first = np.searchsorted(rows, np.arange(n_rows))
    keep = np.arange(len(rows)) - first[rows] < k
    rows, cols = rows[keep], cols[keep]
    return rows + start, cols, block[rows, cols]


def _group_size(n_cols: int, k: int) -> int:
    """Columns per group: a power of two (at most 64) leaving at least 3k groups."""
    size = 1
    while size < 64 and n_cols // (2 * size) >= 3 * k:
        size *= 2
    return size

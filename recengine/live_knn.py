"""The changed items' rows of item-kNN, computed from the ratings held in memory (recengine.live_ratings),
with nothing read or rebuilt: under like weights (implicit) from the raw products kept for the items
refreshed lately (recengine.hot_rows), whose cost is a row per item; otherwise (explicit: every rating of
a user moves their mean) by the kernel over the changed items' raters' ratings."""

import numpy as np

from recengine.hot_rows import DEFAULT_BUDGET_BYTES, HotRows
from recengine.knn import Triples
from recengine.live_ratings import LiveRatings
from recengine.matrix import Likes, Mode

# How long the first refresh in a process may spend keeping the most rated items' rows (about 70 s for
# 2,048 rows on the synthetic MovieLens-25M, 13 s for all 6.5k at 1M).
WARM_SECONDS = 120.0
# Rows computed at a time: each holds a dense row of scores (and co-raters) over every item.
_ROWS_PER_CALL = 64


def live_dirty_rows(
    ratings: LiveRatings,
    norms: np.ndarray,
    dirty: np.ndarray,
    *,
    likes: Likes,
    mode: Mode,
    shrinkage: float,
    reach: tuple[np.ndarray, np.ndarray, int] | None = None,
    hot_bytes: int = DEFAULT_BUDGET_BYTES,
    warm_seconds: float = WARM_SECONDS,
) -> tuple[Triples, np.ndarray]:
    """Every positive similarity of the `dirty` items' rows (indexes into `ratings`), as (item, neighbour,
    score) triples over `ratings`' item indexes, and the norms of the dirty items' columns.

    With `reach` = (floors, listed, k), over `ratings`' item indexes: only those a list can take, that is
    each row's k best (with any tied at the k-th), those at or above the neighbour's list's floor, and
    those to the items whose lists hold a dirty item (`listed`). A popular item's row holds every item:
    this keeps the merge to what can land.

    `norms` are the columns' norms as the version keeps them (0 where it keeps none), over `ratings`' item
    indexes; the dirty items' own are computed afresh. As a fit computes them (knn.item_neighbors), up to
    float32 rounding. Under like weights the rows' raw products are kept in `ratings.hot` (within
    `hot_bytes`) for the next refresh; when they are first kept, the most rated items' rows are computed
    too, for up to `warm_seconds`.
    """
    from recengine.knn_kernel import columns_norms, rows_products  # numba: refreshes only

    dirty = np.asarray(dirty, dtype=np.int64)
    by_item, by_user = ratings.by_item, ratings.by_user
    explicit = mode == "explicit"
    table = likes.weights(np.arange(11) / 2)  # the weight of every half step, 0 to 5
    means = ratings.user_sums / np.maximum(ratings.user_counts, 1) if explicit else np.zeros(len(ratings.user_pks))
    if explicit:
        ratings.hot = None
    elif (
        ratings.hot is None
        or not np.array_equal(ratings.hot.table, table)
        or ratings.hot.counts_co_raters != (shrinkage > 0)
    ):
        ratings.hot = HotRows(table, budget_bytes=hot_bytes, co_raters=shrinkage > 0)
        ratings.hot.warm(ratings, seconds=warm_seconds)
    fresh_norms = columns_norms(
        by_item.start, by_item.length, by_item.columns, by_item.values, means, explicit, table, dirty
    )
    n_items = len(ratings.item_pks)
    scale = np.zeros(n_items, dtype=np.float32)
    scale[: len(norms)] = norms
    scale[dirty] = fresh_norms
    scale[scale == 0] = 1
    rows, neighbours, scores = [], [], []
    for first in range(0, len(dirty), _ROWS_PER_CALL):
        chunk = dirty[first : first + _ROWS_PER_CALL]
        if explicit:
            sums = np.zeros((len(chunk), n_items), dtype=np.float32)
            co_raters = np.zeros((len(chunk), n_items), dtype=np.float32)
            rows_products(
                by_item.start, by_item.length, by_item.columns, by_item.values,
                by_user.start, by_user.length, by_user.columns, by_user.values,
                means, explicit, table, scale, chunk, sums, co_raters,
            )  # fmt: skip
        else:
            sums, co_raters = ratings.hot.products(ratings, chunk)
            sums = sums / scale[chunk, None] / scale
        if shrinkage > 0:
            sums *= co_raters / (co_raters + np.float32(shrinkage))
        at, neighbour = np.nonzero(_reaching(sums, reach))
        rows.append(chunk[at])
        neighbours.append(neighbour.astype(np.int64))
        scores.append(sums[at, neighbour])
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty, np.zeros(0, dtype=np.float32)), fresh_norms
    return (np.concatenate(rows), np.concatenate(neighbours), np.concatenate(scores)), fresh_norms


def _reaching(sums: np.ndarray, reach: tuple[np.ndarray, np.ndarray, int] | None) -> np.ndarray:
    """Which of the rows' similarities `sums` to keep (see live_dirty_rows)."""
    positive = sums > 0
    if reach is None:
        return positive
    floors, listed, k = reach
    n_items = sums.shape[1]
    floors = np.pad(floors, (0, n_items - len(floors)))[None, :]  # items added since: no list, no floor
    listed = np.pad(listed, (0, n_items - len(listed)))[None, :]
    keep = (sums >= floors) | listed
    if 0 < k < n_items:
        kth = np.partition(sums, n_items - k, axis=1)[:, n_items - k]
        keep |= sums >= kth[:, None]
    return positive & keep

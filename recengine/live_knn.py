"""The changed items' rows of item-kNN, computed from the ratings held in memory (recengine.live_ratings):
the work is the multiply-adds over the changed items' raters' ratings, with nothing read or rebuilt."""

import numpy as np

from recengine.knn import Triples
from recengine.live_ratings import LiveRatings
from recengine.matrix import Likes, Mode

# Rows computed per kernel call: each holds a dense row of scores over every item.
_ROWS_PER_CALL = 64


def live_dirty_rows(
    ratings: LiveRatings, norms: np.ndarray, dirty: np.ndarray, *, likes: Likes, mode: Mode, shrinkage: float
) -> tuple[Triples, np.ndarray]:
    """Every positive similarity of the `dirty` items' rows (indexes into `ratings`), as (item, neighbour,
    score) triples over `ratings`' item indexes, and the norms of the dirty items' columns.

    `norms` are the columns' norms as the version keeps them (0 where it keeps none), over `ratings`' item
    indexes; the dirty items' own are computed afresh. As a fit computes them (knn.item_neighbors), up to
    the order of float32 sums where users joined after the ratings were loaded.
    """
    from recengine.knn_kernel import columns_norms, rows_similarities  # numba: refreshes only

    dirty = np.asarray(dirty, dtype=np.int64)
    by_item, by_user = ratings.by_item, ratings.by_user
    means = ratings.user_sums / np.maximum(ratings.user_counts, 1)
    weighing = np.array(
        [mode == "explicit", likes.like_threshold, likes.low_weight, likes.dislike_threshold, likes.dislike_weight],
        dtype=np.float64,
    )
    fresh_norms = columns_norms(by_item.start, by_item.length, by_item.columns, by_item.values, means, weighing, dirty)
    scale = np.zeros(len(ratings.item_pks), dtype=np.float32)
    scale[: len(norms)] = norms
    scale[dirty] = fresh_norms
    scale[scale == 0] = 1
    rows, neighbours, scores = [], [], []
    for first in range(0, len(dirty), _ROWS_PER_CALL):
        chunk = dirty[first : first + _ROWS_PER_CALL]
        out = np.zeros((len(chunk), len(ratings.item_pks)), dtype=np.float32)
        rows_similarities(
            by_item.start, by_item.length, by_item.columns, by_item.values,
            by_user.start, by_user.length, by_user.columns, by_user.values,
            means, weighing, scale, chunk, float(shrinkage), out,
        )  # fmt: skip
        at, neighbour = np.nonzero(out > 0)
        rows.append(chunk[at])
        neighbours.append(neighbour.astype(np.int64))
        scores.append(out[at, neighbour])
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return (empty, empty, np.zeros(0, dtype=np.float32)), fresh_norms
    return (np.concatenate(rows), np.concatenate(neighbours), np.concatenate(scores)), fresh_norms

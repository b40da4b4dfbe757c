import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from recengine.knn import column_norms, item_neighbors, list_floors, lists_merge
from recengine.live_knn import live_dirty_rows
from recengine.live_ratings import LiveRatings
from recengine.matrix import Likes, interaction_matrix

LIKE = 5.0  # a rating whose weight is 1 under the default Likes


def _live(interactions: sp.csr_matrix) -> LiveRatings:
    """The ratings behind a 0/1 interaction matrix: a like wherever it holds a 1."""
    coo = interactions.tocoo()
    return LiveRatings.from_arrays(coo.row + 100, coo.col + 1000, np.full(coo.nnz, LIKE))


def _refresh(
    after: sp.csr_matrix, old: sp.csr_matrix, dirty: np.ndarray, *, k: int, shrinkage: float = 0.0, reach=False
):
    """What the refresh does: the dirty rows from memory, merged into the old lists (over `after`'s items);
    with `reach`, only the similarities a list can take (by the old lists' floors and who lists a dirty item)."""
    n_items = after.shape[1]
    is_dirty = np.zeros(n_items, dtype=bool)
    is_dirty[dirty] = True
    is_dirty[old.shape[0] :] = True
    ratings = _live(after)
    norms = np.zeros(n_items, dtype=np.float32)
    norms[: old.shape[0]] = column_norms(after)[: old.shape[0]]
    old = old.tocsr(copy=True)
    old.resize((n_items, n_items))
    listed = np.asarray((old[:, is_dirty] != 0).sum(axis=1)).ravel() > 0
    fresh, _ = live_dirty_rows(
        ratings, norms, np.flatnonzero(is_dirty), likes=Likes(), mode="implicit", shrinkage=shrinkage,
        reach=(list_floors(old, k=k), listed, k) if reach else None,
    )  # fmt: skip
    return lists_merge(old, fresh, is_dirty, np.arange(n_items), k=k)


def _changed(interactions: sp.csr_matrix, rng: np.random.Generator, n_changed: int, n_new: int):
    """`interactions` with some items' columns redrawn and `n_new` new items appended; the changed ones."""
    dense = interactions.toarray()
    changed = rng.choice(dense.shape[1], size=n_changed, replace=False)
    dense[:, changed] = rng.random((dense.shape[0], n_changed)) < 0.2
    new = (rng.random((dense.shape[0], n_new)) < 0.2).astype(np.float32)
    return sp.csr_matrix(np.hstack([dense, new]).astype(np.float32)), changed


@pytest.mark.parametrize("shrinkage", [0.0, 3.0])
def test_a_refresh_with_room_for_every_neighbour_equals_a_full_fit(shrinkage):
    rng = np.random.default_rng(0)
    before = sp.csr_matrix((rng.random((60, 40)) < 0.2).astype(np.float32))
    after, changed = _changed(before, rng, n_changed=5, n_new=3)
    old = item_neighbors(before, k=39, shrinkage=shrinkage)

    refreshed = _refresh(after, old, changed, k=42, shrinkage=shrinkage)

    expected = item_neighbors(after, k=42, shrinkage=shrinkage)
    np.testing.assert_allclose(refreshed.toarray(), expected.toarray(), rtol=1e-5, atol=1e-6)


def test_a_refresh_with_small_k_is_exact_except_where_a_dirty_neighbour_fell_out():
    rng = np.random.default_rng(1)
    before = sp.csr_matrix((rng.random((80, 50)) < 0.15).astype(np.float32))
    after, changed = _changed(before, rng, n_changed=4, n_new=2)
    old = item_neighbors(before, k=5)

    refreshed = _refresh(after, old, changed, k=5).toarray()
    np.testing.assert_array_equal(_refresh(after, old, changed, k=5, reach=True).toarray(), refreshed)

    expected = item_neighbors(after, k=5).toarray()
    full = normalize(after.T.tocsr(), axis=1) @ normalize(after.T.tocsr(), axis=1).T
    dirty = set(changed.tolist()) | {50, 51}
    lost_a_dirty_neighbour = {row for row in range(50) if set(old[row].indices) & dirty}
    exact_rows = [row for row in range(52) if row not in lost_a_dirty_neighbour or row in dirty]
    assert len(exact_rows) > 20
    for row in exact_rows:  # the same scores; the same neighbours, except that a tie at the k-th may go either way
        np.testing.assert_allclose(np.sort(refreshed[row]), np.sort(expected[row]), rtol=1e-5, atol=1e-6)
        kth = np.sort(expected[row])[-5]
        clear = {int(c) for c in np.flatnonzero(expected[row] > kth * (1 + 1e-5))}
        assert clear <= set(np.flatnonzero(refreshed[row]).tolist())
    for row in lost_a_dirty_neighbour - dirty:  # fewer perhaps, but true similarities, best first
        cols = np.flatnonzero(refreshed[row])
        np.testing.assert_allclose(refreshed[row, cols], full.toarray()[row, cols], rtol=1e-5)
        assert len(cols) <= 5


def test_a_refresh_with_nothing_dirty_changes_nothing():
    rng = np.random.default_rng(2)
    interactions = sp.csr_matrix((rng.random((30, 12)) < 0.3).astype(np.float32))
    old = item_neighbors(interactions, k=2)

    refreshed = _refresh(interactions, old, np.array([], dtype=np.int64), k=2)

    np.testing.assert_array_equal(refreshed.toarray(), old.toarray())


@pytest.mark.parametrize("mode", ["implicit", "explicit"])
def test_dirty_rows_from_raw_ratings_weigh_them_as_the_fit_does(mode):
    rng = np.random.default_rng(4)
    users, items = np.nonzero(rng.random((50, 20)) < 0.3)
    values = rng.integers(1, 11, size=len(users)) / 2
    interactions = interaction_matrix(users, items, values, n_users=50, n_items=20, mode=mode)
    ratings = LiveRatings.from_arrays(users, items, values)
    dirty = np.array([0, 3, 7])

    (rows, cols, scores), norms = live_dirty_rows(
        ratings, column_norms(interactions), dirty, likes=Likes(), mode=mode, shrinkage=0.0
    )

    full = item_neighbors(interactions, k=19)
    for row in dirty.tolist():
        mine = {int(c): float(s) for c, s in zip(cols[rows == row], scores[rows == row], strict=True)}
        theirs = dict(zip(full[row].indices.tolist(), full[row].data.tolist(), strict=True))
        assert mine.keys() == theirs.keys()
        assert np.allclose([mine[c] for c in theirs], list(theirs.values()), rtol=1e-5)
    np.testing.assert_allclose(norms, column_norms(interactions)[dirty], rtol=1e-6)


def test_ratings_written_in_place_hold_exactly_what_was_written():
    rng = np.random.default_rng(5)
    users, items = np.nonzero(rng.random((40, 30)) < 0.2)
    values = rng.integers(1, 11, size=len(users)) / 2
    live = LiveRatings.from_arrays(users, items, values)
    truth = {(int(u), int(i)): float(v) for u, i, v in zip(users, items, values, strict=True)}
    for _ in range(600):  # writes, rewrites, deletions, new users and items: rows move and the arrays compact
        user, item = int(rng.integers(0, 45)), int(rng.integers(0, 35))
        value = float("nan") if rng.random() < 0.3 else float(rng.integers(1, 11) / 2)
        live.apply([user], [item], [value])
        if np.isnan(value):
            truth.pop((user, item), None)
        else:
            truth[user, item] = value

    assert live.nnz == len(truth)
    for user_index, user_pk in enumerate(live.user_pks.tolist()):
        item_indexes, held = live.by_user.row(user_index)
        assert {(user_pk, int(live.item_pks[i])): float(v) for i, v in zip(item_indexes, held, strict=True)} == {
            key: v for key, v in truth.items() if key[0] == user_pk
        }
        assert live.user_counts[user_index] == len(item_indexes)
        assert live.user_sums[user_index] == pytest.approx(float(held.sum()))
    for item_index, item_pk in enumerate(live.item_pks.tolist()):
        user_indexes, held = live.by_item.row(item_index)
        assert list(user_indexes) == sorted(user_indexes)
        assert {(int(live.user_pks[u]), item_pk): float(v) for u, v in zip(user_indexes, held, strict=True)} == {
            key: v for key, v in truth.items() if key[1] == item_pk
        }


def test_applying_what_is_already_held_changes_nothing():
    live = LiveRatings.from_arrays(np.array([1, 1, 2]), np.array([10, 11, 10]), np.array([4.0, 3.5, 2.0]))

    assert live.apply([1, 2, 3], [10, 11, 10], [4.0, float("nan"), float("nan")]) == 0
    assert live.apply([1, 2, 3], [10, 11, 10], [4.5, 5.0, float("nan")]) == 2
    assert live.nnz == 4


@pytest.mark.parametrize("shrinkage", [0.0, 2.0])
def test_kept_rows_followed_through_changes_equal_rows_computed_afresh(shrinkage):
    rng = np.random.default_rng(6)
    users, items = np.nonzero(rng.random((60, 25)) < 0.3)
    values = rng.integers(1, 11, size=len(users)) / 2
    live = LiveRatings.from_arrays(users, items, values)
    live_dirty_rows(live, np.ones(25), np.array([0]), likes=Likes(), mode="implicit", shrinkage=shrinkage)
    assert (live.hot.slot_of[:25] >= 0).all()  # the first call kept the most rated items' rows: all of them here
    for _ in range(300):  # new users and items, rewrites across the like line, deletions
        value = float("nan") if rng.random() < 0.25 else float(rng.integers(1, 11) / 2)
        live.apply([int(rng.integers(0, 65))], [int(rng.integers(0, 28))], [value])
    assert (live.hot.slot_of[:25] >= 0).all()  # followed through the changes, not dropped

    held = live.by_user
    truth = [
        (live.user_pks[u], live.item_pks[c], v) for u in range(held.n_rows) for c, v in zip(*held.row(u), strict=True)
    ]
    afresh = LiveRatings.from_arrays(*(np.array(column) for column in zip(*truth, strict=True)))
    dirty = np.arange(len(live.item_pks))
    norms = np.zeros(len(live.item_pks))
    (rows, cols, scores), kept_norms = live_dirty_rows(
        live, norms, dirty, likes=Likes(), mode="implicit", shrinkage=shrinkage
    )
    order = live.items_index(afresh.item_pks)
    (rows2, cols2, scores2), fresh_norms = live_dirty_rows(
        afresh, norms, np.arange(len(afresh.item_pks)), likes=Likes(), mode="implicit", shrinkage=shrinkage
    )
    kept = {(int(live.item_pks[r]), int(live.item_pks[c])): s for r, c, s in zip(rows, cols, scores, strict=True)}
    fresh = {
        (int(afresh.item_pks[r]), int(afresh.item_pks[c])): s for r, c, s in zip(rows2, cols2, scores2, strict=True)
    }
    assert kept.keys() == fresh.keys()
    assert np.allclose([kept[pair] for pair in fresh], list(fresh.values()), rtol=1e-5)
    np.testing.assert_allclose(kept_norms[order], fresh_norms, rtol=1e-6)


def test_with_room_for_few_rows_those_of_the_most_rated_items_are_kept():
    rng = np.random.default_rng(7)
    users, items = np.nonzero(rng.random((80, 20)) < np.linspace(0.05, 0.9, 20))  # item 19 the most rated
    live = LiveRatings.from_arrays(users, items, np.full(len(users), LIKE))
    room_for_three = 3 * 20 * 4

    for dirty in ([0], [1, 2], [5], [0, 3]):  # the least rated, asked for again and again
        live_dirty_rows(
            live, np.ones(20), np.array(dirty), likes=Likes(), mode="implicit", shrinkage=0.0, hot_bytes=room_for_three
        )

    counts = live.by_item.length
    assert sorted(live.hot.item_of.tolist()) == sorted(np.argsort(-counts, kind="stable")[:3].tolist())

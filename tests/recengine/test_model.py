import numpy as np
import pytest
import scipy.sparse as sp

from recengine.matrix import interaction_matrix
from recengine.model import ItemKnn, KnnParams, TrainingData, block_bounds
from recengine.scoring import popular_unseen

# 4 users x 5 items; items 0 and 1 are always rated together, item 4 by nobody
USERS = np.array([0, 0, 1, 1, 1, 2, 2, 3])
ITEMS = np.array([0, 1, 0, 1, 2, 2, 3, 3])
VALUES = np.array([5.0, 4.0, 4.0, 5.0, 2.0, 3.0, 4.0, 5.0])


def fit(**params):
    return ItemKnn.fit(USERS, ITEMS, VALUES, n_users=4, n_items=5, params=KnnParams(**params))


def test_a_user_who_liked_item_0_gets_item_1_first_because_of_item_0():
    ranked = fit(k=2).recommend(np.array([0]), np.array([5.0]), n=2)

    assert ranked[0].item == 1
    assert ranked[0].source == "knn"
    assert [e.item for e in ranked[0].evidence] == [0]
    assert ranked[0].evidence[0].share == 1.0


def test_unrated_items_are_never_popular_fill_before_rated_ones():
    model = fit()
    assert model.popular[-1] == 4  # nobody rated it


def test_recommend_many_agrees_with_one_user_at_a_time():
    model = fit(k=3)
    weights = interaction_matrix(USERS, ITEMS, VALUES, n_users=4, n_items=5, likes=model.params)
    seen = sp.csr_matrix((VALUES, (USERS, ITEMS)), shape=(4, 5))  # the 2.0 is seen, though it weighs nothing

    batch = model.recommend_many(weights, seen, n=3)

    for user in range(4):
        rated = ITEMS[user == USERS]
        one = model.recommend(rated, VALUES[user == USERS], n=3)
        assert batch[user, : len(one)].tolist() == [r.item for r in one]
        assert not set(batch[user].tolist()) & set(rated.tolist())


def test_popular_for_skips_seen_items():
    model = fit()
    seen = sp.csr_matrix(([1.0], ([0], [int(model.popular[0])])), shape=(1, 5))
    assert popular_unseen(model.popular, seen, n=2).tolist() == [model.popular[1:3].tolist()]


def random_ratings(seed: int, n_users: int = 60, n_items: int = 40, n: int = 600):
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_users, n), rng.integers(0, n_items, n), rng.integers(1, 11, n) / 2.0


@pytest.mark.parametrize("mode", ["implicit", "explicit"])
@pytest.mark.parametrize("blocks", [1, 3, 7, 40, 100])
def test_a_fit_put_together_from_blocks_computed_apart_equals_the_single_fit(blocks, mode):
    users, items, values = random_ratings(seed=blocks)
    params = KnnParams(k=5, shrinkage=2.0, mode=mode, dislike_threshold=2.5)
    whole = ItemKnn.fit(users, items, values, n_users=60, n_items=40, params=params)

    data = TrainingData.build(users, items, values, n_users=60, n_items=40, params=params)
    restored = TrainingData.loads(data.dumps(), params=params)  # as a worker elsewhere would read it
    ranges = block_bounds(restored.n_items, blocks)
    assembled = ItemKnn.from_blocks(restored, [(bounds, restored.block(*bounds)) for bounds in reversed(ranges)])

    assert len(ranges) == min(blocks, 40)
    assert (assembled.neighbors != whole.neighbors).nnz == 0
    assert assembled.neighbors.nnz == whole.neighbors.nnz > 0
    assert assembled.popular.tolist() == whole.popular.tolist()


@pytest.mark.parametrize("ranges", [[(0, 20)], [(0, 20), (20, 30), (20, 40)], [(0, 20), (25, 40)], [(0, 20), (20, 39)]])
def test_ranges_that_miss_or_repeat_items_are_refused(ranges):
    users, items, values = random_ratings(seed=0)
    data = TrainingData.build(users, items, values, n_users=60, n_items=40)

    with pytest.raises(ValueError, match="item ranges"):
        ItemKnn.from_blocks(data, [(bounds, data.block(*bounds)) for bounds in ranges])


def test_block_bounds_cover_every_item_once_in_near_equal_ranges():
    assert block_bounds(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert block_bounds(2, 5) == [(0, 1), (1, 2)]
    assert block_bounds(0, 4) == [(0, 0)]
    with pytest.raises(ValueError, match="at least 1"):
        block_bounds(10, 0)

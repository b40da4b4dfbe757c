"""What every algorithm serves through ItemLists: likes, evidence that cites only likes, similar items,
and a batch ranking that agrees with the one-user path."""

import numpy as np
import pytest
import scipy.sparse as sp

from recengine.lists import ItemLists, ListParams
from recengine.recommender import RECOMMENDERS

# Lists of 4 items: item 0 leads to item 2 (0.2), item 1 to item 2 (0.9) and item 3 (0.5);
# item 3 leads to item 0 (-0.4, as EASE's lists may).
LISTS = sp.csr_matrix(
    np.array(
        [
            [0, 0, 0.2, 0],
            [0, 0, 0.9, 0.5],
            [0, 0, 0, 0],
            [-0.4, 0, 0, 0],
        ],
        dtype=np.float32,
    )
)


def lists(**likes) -> ItemLists:
    return ItemLists.from_lists(params=ListParams(**likes), lists=LISTS, popular=np.array([3, 2, 1, 0]))


def test_evidence_cites_only_liked_items_even_when_a_low_rated_one_added_more():
    model = lists(like_threshold=4.0, low_weight=1.0)
    rated, values = np.array([0, 1]), np.array([4.5, 3.0])  # item 1 rated 3: not liked, but counted fully

    top = model.recommend(rated, values, n=1)[0]

    assert (top.item, round(top.score, 4)) == (2, 1.1)  # 0.2 from item 0 + 0.9 from item 1
    assert [(e.item, e.share) for e in top.evidence] == [(0, round(0.2 / 1.1, 4))]
    assert model.evidence(rated, values, np.array([2, 3])) == [top.evidence, ()]


def test_a_recommendation_only_low_rated_items_led_to_has_no_evidence():
    top = lists(low_weight=0.5).recommend(np.array([1]), np.array([3.5]), n=1)[0]

    assert (top.item, round(top.score, 4), top.source, top.evidence) == (2, 0.45, "knn", ())


def test_low_ratings_weigh_the_low_weight_and_dislikes_push_their_neighbours_down():
    model = lists(low_weight=0.5, dislike_threshold=2.0, dislike_weight=-1.0)

    scores = model.scores(np.array([0, 1]), np.array([3.0, 1.0]))  # item 0 low-rated, item 1 disliked

    assert np.allclose(scores, [0, 0, 0.5 * 0.2 - 0.9, -0.5])
    assert [r.source for r in model.recommend(np.array([0, 1]), np.array([3.0, 1.0]), n=2)] == ["popular"] * 2


def test_similar_items_are_the_positive_weights_highest_first():
    model = lists()

    assert model.similar(1, n=5) == [(2, pytest.approx(0.9)), (3, pytest.approx(0.5))]
    assert model.similar(3, n=5) == []  # a negative weight is not a similarity
    assert model.similar(1, n=5, allowed=np.array([True, True, False, True])) == [(3, pytest.approx(0.5))]


def random_ratings(seed: int, n_users: int = 40, n_items: int = 25, n: int = 400):
    rng = np.random.default_rng(seed)
    pairs = np.unique(rng.integers(0, n_users, n) * n_items + rng.integers(0, n_items, n))
    return pairs // n_items, pairs % n_items, rng.integers(1, 11, len(pairs)) / 2.0


@pytest.mark.parametrize("name", sorted(RECOMMENDERS))
def test_every_algorithm_cites_only_liked_items(name):
    algorithm = RECOMMENDERS[name]
    users, items, values = random_ratings(seed=1)
    model = algorithm.fit(users, items, values, n_users=40, n_items=25, params=algorithm.Params(low_weight=1.0))
    cited = 0
    for user in range(40):
        rated, rating = items[users == user], values[users == user]
        liked = set(rated[rating >= 4.0].tolist())
        for ranked in model.recommend(rated, rating, n=5):
            assert {e.item for e in ranked.evidence} <= liked
            cited += len(ranked.evidence)
    assert cited > 0


@pytest.mark.parametrize("name", sorted(RECOMMENDERS))
def test_the_batch_ranking_agrees_with_one_user_at_a_time(name):
    algorithm = RECOMMENDERS[name]
    users, items, values = random_ratings(seed=2)
    model = algorithm.fit(users, items, values, n_users=40, n_items=25)
    ratings = sp.csr_matrix((values, (users, items)), shape=(40, 25))

    batch = model.recommend_batch(ratings, n=5)

    for user in range(40):
        rated, rating = items[users == user], values[users == user]
        assert batch[user].tolist() == [r.item for r in model.recommend(rated, rating, n=5)]


@pytest.mark.parametrize("name", sorted(RECOMMENDERS))
def test_saved_lists_load_back_as_the_same_model(name):
    algorithm = RECOMMENDERS[name]
    users, items, values = random_ratings(seed=3)
    model = algorithm.fit(users, items, values, n_users=40, n_items=25)

    loaded = algorithm.from_lists(params=model.params, lists=model.lists, popular=model.popular)

    rated, rating = items[users == 0], values[users == 0]
    assert loaded.recommend(rated, rating, n=5) == model.recommend(rated, rating, n=5)
    assert loaded.params.as_dict() == algorithm.Params().as_dict()

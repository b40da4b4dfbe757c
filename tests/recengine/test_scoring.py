import numpy as np
import scipy.sparse as sp

from recengine.scoring import (
    Evidence,
    popularity_order,
    popularity_scores,
    recommend,
    top_n,
)

# Neighbour lists of 5 items (row i: item i's neighbours):
#   0 -> 2 (0.5), 3 (0.2)     1 -> 2 (0.4), 4 (0.6)     2 -> 0 (0.5)     3 -> 0 (0.2)     4 -> 1 (0.6)
NEIGHBORS = sp.csr_matrix(
    np.array(
        [
            [0, 0, 0.5, 0.2, 0],
            [0, 0, 0.4, 0, 0.6],
            [0.5, 0, 0, 0, 0],
            [0.2, 0, 0, 0, 0],
            [0, 0.6, 0, 0, 0],
        ],
        dtype=np.float32,
    )
)
POPULAR = np.array([4, 3, 2, 1, 0])  # item 4 is the most popular
RANK = np.argsort(POPULAR)


def run(rated, weights, n, **kwargs):
    return recommend(
        NEIGHBORS, rated=np.array(rated), weights=np.array(weights, dtype=np.float32), n=n,
        popular=POPULAR, popularity_rank=RANK, **kwargs,
    )  # fmt: skip


def test_scores_sum_similarity_times_weight_over_the_users_items():
    # rated 0 (w=1) and 1 (w=2): item 2 = 0.5*1 + 0.4*2 = 1.3; item 4 = 0.6*2 = 1.2; item 3 = 0.2*1
    ranked = run([0, 1], [1, 2], 3)

    assert [(r.item, round(r.score, 4), r.source) for r in ranked] == [
        (2, 1.3, "knn"),
        (4, 1.2, "knn"),
        (3, 0.2, "knn"),
    ]


def test_evidence_names_the_contributing_items_with_their_shares():
    item_2 = run([0, 1], [1, 2], 1)[0]
    # contributions to item 2: from item 1 0.8, from item 0 0.5; shares of 1.3
    assert item_2.evidence == (Evidence(item=1, share=round(0.8 / 1.3, 4)), Evidence(item=0, share=round(0.5 / 1.3, 4)))


def test_rated_excluded_and_disallowed_items_never_come_back():
    allowed = np.array([True, True, True, True, False])
    ranked = run([0, 1], [1, 2], 5, exclude=np.array([2]), allowed=allowed)

    assert [r.item for r in ranked] == [3]  # 2 excluded, 4 not allowed, 0 and 1 rated, no other eligible item


def test_short_lists_are_filled_with_popular_items():
    ranked = run([2], [1], 4)

    assert [(r.item, r.source) for r in ranked] == [(0, "knn"), (4, "popular"), (3, "popular"), (1, "popular")]
    assert ranked[1].evidence == ()


def test_a_user_with_no_ratings_gets_the_popular_list():
    ranked = run([], [], 3)
    assert [(r.item, r.source, r.score) for r in ranked] == [
        (4, "popular", 0.0),
        (3, "popular", 0.0),
        (2, "popular", 0.0),
    ]


def test_negative_scores_are_not_recommended_from_similarity():
    ranked = run([0], [-1], 2)  # the user disliked item 0: its neighbours score below zero
    assert all(r.source == "popular" for r in ranked)


def test_equal_scores_go_to_the_more_popular_item():
    scores = np.array([0.0, 0.5, 0.5, 0.5, 0.9])
    eligible = np.ones(5, dtype=bool)
    assert top_n(scores, 3, RANK, eligible).tolist() == [4, 3, 2]
    assert top_n(scores, 2, RANK, eligible).tolist() == [4, 3]


def test_popularity_is_a_bayesian_average_pulled_to_the_global_mean():
    # global mean 22/6; prior 2: item 0 (one 5.0) -> (22/3 + 5)/3 = 4.111; item 1 (four 4.0) -> (22/3 + 16)/6
    # = 3.889; item 2 (one 1.0) -> (22/3 + 1)/3 = 2.778; item 3 unrated comes last
    items = np.array([0, 1, 1, 1, 1, 2])
    values = np.array([5.0, 4.0, 4.0, 4.0, 4.0, 1.0])
    scores, counts = popularity_scores(items, values, n_items=4, prior=2.0)

    assert counts.tolist() == [1, 4, 1, 0]
    assert np.allclose(scores[:3], [37 / 9, 35 / 9, 25 / 9])
    assert np.isneginf(scores[3])
    assert popularity_order(scores, counts).tolist() == [0, 1, 2, 3]


def test_popularity_ties_go_to_more_ratings_then_lower_index():
    scores = np.array([3.0, 3.0, 3.0, 4.0])
    counts = np.array([5.0, 9.0, 5.0, 1.0])
    assert popularity_order(scores, counts).tolist() == [3, 1, 0, 2]

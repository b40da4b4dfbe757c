import math

import numpy as np
import pytest

from recengine.metrics import popularity_percentiles, ranking_metrics


def test_metrics_match_hand_computed_values():
    # k=2 (lists of 2k=4). user 0: relevant {1, 9}; ranked [1, 2, 3, 9] -> hit at rank 1 in the top 2, both in top 4
    # user 1: relevant {5}; ranked [6, 5, -1, -1] -> hit at rank 2
    # user 2: no relevant items -> skipped
    recommended = np.array([[1, 2, 3, 9], [6, 5, -1, -1], [0, 1, 2, 3]])
    relevant = [np.array([1, 9]), np.array([5]), np.array([], dtype=np.int64)]

    metrics = ranking_metrics(recommended, relevant, n_items=10, k=2)

    ndcg_user0 = 1.0 / (1 + 1 / math.log2(3))  # DCG 1/log2(2); ideal: two hits
    ndcg_user1 = (1 / math.log2(3)) / 1.0
    assert metrics["ndcg@2"] == pytest.approx((ndcg_user0 + ndcg_user1) / 2)
    assert metrics["recall@2"] == pytest.approx((1 / 2 + 1 / 1) / 2)
    assert metrics["recall@4"] == pytest.approx((2 / 2 + 1 / 1) / 2)
    assert metrics["hr@2"] == 1.0
    assert metrics["precision@2"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert metrics["coverage@2"] == pytest.approx(4 / 10)  # items 1, 2, 6, 5
    assert metrics["users"] == 2


def test_no_hits_score_zero():
    metrics = ranking_metrics(np.array([[3, 4]]), [np.array([7])], n_items=8, k=1)
    assert (metrics["ndcg@1"], metrics["recall@1"], metrics["hr@1"]) == (0.0, 0.0, 0.0)


def test_popularity_percentiles_rank_items_by_training_count_with_ties_shared():
    assert popularity_percentiles(np.array([10, 0, 5, 5])).tolist() == [1.0, 0.0, 0.5, 0.5]


def test_popularity_bias_averages_the_percentiles_of_each_users_top_k():
    counts = np.array([0, 1, 2, 3, 4])  # percentiles 0, 0.25, 0.5, 0.75, 1
    recommended = np.array([[4, 3, 0, 1], [0, -1, -1, -1], [4, 4, 4, 4]])
    relevant = [np.array([0]), np.array([2]), np.array([], dtype=np.int64)]  # the third user is not scored

    metrics = ranking_metrics(recommended, relevant, n_items=5, k=2, item_counts=counts)

    assert metrics["popularity_bias@2"] == pytest.approx(((1.0 + 0.75) / 2 + 0.0) / 2)
    assert "popularity_bias@2" not in ranking_metrics(recommended, relevant, n_items=5, k=2)

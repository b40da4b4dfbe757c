"""Offline evaluation: split ratings, fit on the training part, rank every unseen item, score the test part."""

import time

import numpy as np
import scipy.sparse as sp

from recengine.metrics import ranking_metrics
from recengine.model import ItemKnn
from recengine.recommender import Recommender
from recengine.scoring import popular_unseen
from recengine.split import split


def evaluate(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    values: np.ndarray,
    timestamps: np.ndarray,
    *,
    protocol: str = "random-80-20",
    seed: int = 0,
    k: int = 10,
    algorithm: type[Recommender] = ItemKnn,
    params=None,
) -> dict:
    """Metrics of the algorithm (under "knn", the name earlier reports used) and of the popularity
    baseline on one split."""
    params = params or algorithm.Params()
    n_users, n_items = int(user_idx.max()) + 1, int(item_idx.max()) + 1
    test = split(protocol, user_idx, timestamps, seed=seed)
    train = ~test

    started = time.perf_counter()
    model = algorithm.fit(
        user_idx[train], item_idx[train], values[train], n_users=n_users, n_items=n_items, params=params
    )
    fit_seconds = time.perf_counter() - started

    ratings = sp.csr_matrix((values[train], (user_idx[train], item_idx[train])), shape=(n_users, n_items))
    test_users = np.unique(user_idx[test])
    relevant = [item_idx[test & (user_idx == user)] for user in test_users]
    started = time.perf_counter()
    ranked = model.recommend_batch(ratings[test_users], n=2 * k)
    rank_seconds = time.perf_counter() - started
    baseline = popular_unseen(model.popular, ratings[test_users], n=2 * k)
    return {
        "protocol": protocol,
        "seed": seed,
        "algorithm": algorithm.name,
        "params": params.as_dict(),
        "ratings": {"train": int(train.sum()), "test": int(test.sum())},
        "fit_seconds": round(fit_seconds, 3),
        "rank_seconds": round(rank_seconds, 3),
        "knn": ranking_metrics(ranked, relevant, n_items=n_items, k=k),
        "popularity": ranking_metrics(baseline, relevant, n_items=n_items, k=k),
    }

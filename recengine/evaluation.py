"""Offline evaluation: split ratings, fit on the training part, rank every unseen item, score the test part."""

import time

import numpy as np
import scipy.sparse as sp

from recengine.matrix import interaction_matrix
from recengine.metrics import ranking_metrics
from recengine.model import ItemKnn, KnnParams
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
    params: KnnParams | None = None,
) -> dict:
    """Metrics of the item-kNN model and of the popularity baseline on one split."""
    params = params or KnnParams()
    n_users, n_items = int(user_idx.max()) + 1, int(item_idx.max()) + 1
    test = split(protocol, user_idx, timestamps, seed=seed)
    train = ~test

    started = time.perf_counter()
    model = ItemKnn.fit(
        user_idx[train], item_idx[train], values[train], n_users=n_users, n_items=n_items, params=params
    )
    fit_seconds = time.perf_counter() - started

    seen = sp.csr_matrix(
        (np.ones(int(train.sum()), dtype=np.float32), (user_idx[train], item_idx[train])), shape=(n_users, n_items)
    )
    weights = interaction_matrix(
        user_idx[train], item_idx[train], values[train],
        n_users=n_users, n_items=n_items, mode=params.mode, threshold=params.threshold,
    )  # fmt: skip
    test_users = np.unique(user_idx[test])
    relevant = [item_idx[test & (user_idx == user)] for user in test_users]
    started = time.perf_counter()
    ranked = model.recommend_many(weights[test_users], seen[test_users], n=2 * k)
    rank_seconds = time.perf_counter() - started
    return {
        "protocol": protocol,
        "seed": seed,
        "params": params.as_dict(),
        "ratings": {"train": int(train.sum()), "test": int(test.sum())},
        "fit_seconds": round(fit_seconds, 3),
        "rank_seconds": round(rank_seconds, 3),
        "knn": ranking_metrics(ranked, relevant, n_items=n_items, k=k),
        "popularity": ranking_metrics(model.popular_for(seen[test_users], n=2 * k), relevant, n_items=n_items, k=k),
    }

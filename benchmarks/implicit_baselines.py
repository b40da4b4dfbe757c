"""implicit's item-item models (CosineRecommender, BM25Recommender, TFIDFRecommender) as evaluation runs.

Each is fitted on the holdout's training ratings, every rating counting as 1 (as in knn_vs_implicit.py),
with every CPU. Ranking: a user's score for an item is implicit's own (the binary training row times the
fitted `similarity`, as its `recommend` computes it); every item the user did not rate in training is
ranked, best first, ties (zero scores included) by item index. implicit's `recommend` is not used for the
lists because past its scored items it pads with zero-score ones, rated items among them.
"""

import os
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from recengine.evaluation import Holdout, Run, check_unrated

MODELS = ("cosine", "bm25", "tfidf")
LABELS = {"cosine": "CosineRecommender", "bm25": "BM25Recommender", "tfidf": "TFIDFRecommender"}


def cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _factory(model: str) -> Callable:
    from implicit.nearest_neighbours import BM25Recommender, CosineRecommender, TFIDFRecommender

    return {"cosine": CosineRecommender, "bm25": BM25Recommender, "tfidf": TFIDFRecommender}[model]


def implicit_run(model: str, k: int, holdout: Holdout, *, n: int) -> Run:
    """implicit's `model` with K=`k` neighbours, fitted on the training ratings, top n for every test user."""
    warnings.filterwarnings("ignore", module="implicit")  # "expects CSR input": its own normalize makes COO
    train = holdout.ratings.copy()
    train.data[:] = 1.0
    train = train.astype(np.float32)
    started = time.perf_counter()
    recommender = _factory(model)(K=k, num_threads=cpus())
    recommender.fit(train, show_progress=False)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ranked = rank_unrated(train[holdout.test_users], sp.csr_matrix(recommender.similarity), n=n)
    run = Run(f"implicit {LABELS[model]}", {"K": k}, ranked, fit_seconds, time.perf_counter() - started)
    check_unrated(run.ranked, holdout, run.algorithm)
    return run


def rank_unrated(user_items: sp.csr_matrix, similarity: sp.csr_matrix, *, n: int, block: int = 512) -> np.ndarray:
    """Each row's n best-scoring items among those it has not rated (scores user_items @ similarity,
    ties by index), -1 where fewer are left."""
    n_users = user_items.shape[0]
    result = np.full((n_users, n), -1, dtype=np.int64)
    for start in range(0, n_users, block):
        rows = user_items[start : start + block]
        scores = np.asarray((rows @ similarity).todense(), dtype=np.float64)
        scores[rows.nonzero()] = -np.inf
        for offset, row in enumerate(scores):
            items = _top(row, n)
            result[start + offset, : len(items)] = items
    return result


def _top(row: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest finite scores, best first, ties by index."""
    candidates = np.flatnonzero(np.isfinite(row))
    if len(candidates) > n:
        kth = np.partition(row[candidates], len(candidates) - n)[len(candidates) - n]  # the n-th highest
        above, tied = candidates[row[candidates] > kth], candidates[row[candidates] == kth]
        candidates = np.concatenate([above, tied[: n - len(above)]])
    return candidates[np.lexsort((candidates, -row[candidates]))]

"""Offline evaluation: split ratings, fit on the training part, rank every unseen item, score the held-out part.

`evaluate` does it all for some algorithms on one split; `Holdout`, `fit_and_rank`, `popularity_run` and
`Run.metrics` are its steps, for benchmarks that fit once and score under several relevance definitions.
docs/EVALUATION.md gives the protocols, the relevance definitions and the metrics.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from recengine.metrics import ranking_metrics
from recengine.recommender import RECOMMENDERS, Recommender
from recengine.scoring import popular_unseen, popularity_order, popularity_scores
from recengine.split import split, validation_split

RELEVANCE = ("liked", "all")
LIKE_THRESHOLD = 4.0  # liked: a held-out rating at or above it (RECSITE_LIKE_THRESHOLD's default)
POPULARITY = "popularity"  # the baseline's name in results
POPULARITY_PRIOR = 100.0  # the baseline's Bayesian prior, as item-kNN's default popularity list


def check_relevance(relevance: str) -> None:
    if relevance not in RELEVANCE:
        raise ValueError(f"unknown relevance {relevance!r}: use {' or '.join(RELEVANCE)}")


@dataclass(frozen=True)
class Holdout:
    """One split of a ratings set: what every model is fitted on, and the held-out ratings it is scored on."""

    protocol: str
    seed: int
    validation: bool  # the test part is set aside and the training part split again (choosing settings)
    user_idx: np.ndarray  # every rating, train and test
    item_idx: np.ndarray
    values: np.ndarray
    train: np.ndarray  # row masks
    test: np.ndarray
    n_users: int
    n_items: int
    ratings: sp.csr_matrix  # users x items, the training ratings
    test_users: np.ndarray  # users with at least one held-out rating, ascending

    @classmethod
    def make(
        cls,
        user_idx: np.ndarray,
        item_idx: np.ndarray,
        values: np.ndarray,
        timestamps: np.ndarray,
        *,
        protocol: str = "random-80-20",
        seed: int = 0,
        validation: bool = False,
        n_users: int | None = None,
        n_items: int | None = None,
    ) -> "Holdout":
        if validation:
            train, test = validation_split(protocol, user_idx, timestamps, seed=seed)
        else:
            test = split(protocol, user_idx, timestamps, seed=seed)
            train = ~test
        n_users = n_users or int(user_idx.max()) + 1
        n_items = n_items or int(item_idx.max()) + 1
        ratings = sp.csr_matrix((values[train], (user_idx[train], item_idx[train])), shape=(n_users, n_items))
        return cls(
            protocol=protocol, seed=seed, validation=validation, user_idx=user_idx, item_idx=item_idx,
            values=values, train=train, test=test, n_users=n_users, n_items=n_items, ratings=ratings,
            test_users=np.unique(user_idx[test]),
        )  # fmt: skip

    @property
    def item_counts(self) -> np.ndarray:
        """Training ratings per item (what popularity bias is measured against)."""
        return np.bincount(self.item_idx[self.train], minlength=self.n_items)

    def relevant(self, relevance: str, *, like_threshold: float = LIKE_THRESHOLD) -> list[np.ndarray]:
        """Each test user's relevant held-out items (aligned with `test_users`): all of them, or the
        liked ones (rated at least `like_threshold`); a user may have none, and is then not scored."""
        check_relevance(relevance)
        rows = self.test if relevance == "all" else self.test & (self.values >= like_threshold)
        order = np.argsort(self.user_idx[rows], kind="stable")
        users, items = self.user_idx[rows][order], self.item_idx[rows][order]
        bounds = np.searchsorted(users, np.concatenate([self.test_users, [self.n_users]]))
        return [items[bounds[i] : bounds[i + 1]] for i in range(len(self.test_users))]


@dataclass(frozen=True)
class Run:
    """One model's top lists for every test user of a holdout (rows aligned with `test_users`)."""

    algorithm: str
    params: dict
    ranked: np.ndarray  # test users x n item indices, best first, -1 padding
    fit_seconds: float | None
    rank_seconds: float

    def metrics(
        self, holdout: Holdout, *, relevance: str = "liked", like_threshold: float = LIKE_THRESHOLD, k: int = 10
    ) -> dict:
        relevant = holdout.relevant(relevance, like_threshold=like_threshold)
        return ranking_metrics(self.ranked, relevant, n_items=holdout.n_items, k=k, item_counts=holdout.item_counts)

    def result(
        self, holdout: Holdout, *, relevance: str = "liked", like_threshold: float = LIKE_THRESHOLD, k: int = 10
    ) -> dict:
        """The run and its metrics as one JSON-ready object."""
        return {
            "algorithm": self.algorithm,
            "params": self.params,
            "protocol": holdout.protocol,
            "seed": holdout.seed,
            "validation": holdout.validation,
            "relevance": relevance,
            "like_threshold": like_threshold,
            "k": k,
            "ratings": {"train": int(holdout.train.sum()), "test": int(holdout.test.sum())},
            "fit_seconds": None if self.fit_seconds is None else round(self.fit_seconds, 3),
            "rank_seconds": round(self.rank_seconds, 3),
            "metrics": self.metrics(holdout, relevance=relevance, like_threshold=like_threshold, k=k),
        }


def fit_and_rank(algorithm: type[Recommender], params: Any, holdout: Holdout, *, n: int) -> Run:
    """Fit on the training ratings and rank every item each test user did not rate in training."""
    params = params if params is not None else algorithm.Params()
    started = time.perf_counter()
    model = algorithm.fit(
        holdout.user_idx[holdout.train], holdout.item_idx[holdout.train], holdout.values[holdout.train],
        n_users=holdout.n_users, n_items=holdout.n_items, params=params,
    )  # fmt: skip
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ranked = np.asarray(model.recommend_batch(holdout.ratings[holdout.test_users], n=n), dtype=np.int64)
    rank_seconds = time.perf_counter() - started
    check_unrated(ranked, holdout, algorithm.name)
    return Run(algorithm.name, params.as_dict(), ranked, fit_seconds, rank_seconds)


def popularity_run(holdout: Holdout, *, n: int, prior: float = POPULARITY_PRIOR) -> Run:
    """The baseline: the Bayesian-averaged popularity list of the training ratings (scoring.popularity_scores,
    as the service falls back on), each user's rated items left out."""
    started = time.perf_counter()
    train = holdout.train
    scores, counts = popularity_scores(
        holdout.item_idx[train], holdout.values[train], n_items=holdout.n_items, prior=prior
    )
    ranked = popular_unseen(popularity_order(scores, counts), holdout.ratings[holdout.test_users], n=n)
    return Run(POPULARITY, {"popularity_prior": prior}, ranked, None, time.perf_counter() - started)


def check_unrated(ranked: np.ndarray, holdout: Holdout, name: str) -> None:
    """ValueError if a list holds an item its user rated in training, or one item twice: the protocol
    ranks unrated items only, and an algorithm breaking it would score a leak."""
    rows, places = np.nonzero(ranked >= 0)
    pairs = holdout.test_users[rows] * holdout.n_items + ranked[rows, places]
    rated = np.isin(pairs, holdout.user_idx[holdout.train] * holdout.n_items + holdout.item_idx[holdout.train])
    if rated.any():
        user = int(holdout.test_users[rows[np.argmax(rated)]])
        raise ValueError(f"{name}: recommended an item user {user} rated in training")
    if len(np.unique(pairs)) != len(pairs):
        raise ValueError(f"{name}: recommended an item twice in one list")


def evaluate(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    values: np.ndarray,
    timestamps: np.ndarray,
    *,
    protocol: str = "random-80-20",
    seed: int = 0,
    k: int = 10,
    algorithms: Sequence[tuple[type[Recommender], Any]] | None = None,
    relevance: str = "liked",
    like_threshold: float = LIKE_THRESHOLD,
    validation: bool = False,
    popularity_prior: float = POPULARITY_PRIOR,
) -> list[dict]:
    """One result per algorithm ((class, params or None for its defaults); default: every registered
    algorithm at its defaults), then the popularity baseline's, all on the same split."""
    check_relevance(relevance)
    holdout = Holdout.make(user_idx, item_idx, values, timestamps, protocol=protocol, seed=seed, validation=validation)
    if algorithms is None:
        algorithms = [(algorithm, None) for _, algorithm in sorted(RECOMMENDERS.items())]
    runs = [fit_and_rank(algorithm, params, holdout, n=2 * k) for algorithm, params in algorithms]
    runs.append(popularity_run(holdout, n=2 * k, prior=popularity_prior))
    return [run.result(holdout, relevance=relevance, like_threshold=like_threshold, k=k) for run in runs]

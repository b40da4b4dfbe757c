from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np
import pytest
import scipy.sparse as sp

from datasets.importers import read_dataset
from recengine.evaluation import POPULARITY, Holdout, evaluate, fit_and_rank
from recengine.model import ItemKnn
from recengine.recommender import RECOMMENDERS

# 6 users x 4 ratings each (items 0-5); each user's latest rating is their last line here.
USERS = np.repeat(np.arange(6), 4)
ITEMS = np.array([0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 0, 2, 4, 5, 0, 1, 3, 5, 1, 3, 4, 0])
VALUES = np.array([5, 4, 2, 5, 4, 5, 1, 4, 3, 4, 5, 2, 5, 4, 3, 1, 2, 4, 5, 4, 5, 4, 2, 3], dtype=float)
STAMPS = np.tile(np.arange(4), 6)


@dataclass(frozen=True)
class LeastParams:
    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LeastPopular:
    """A tiny second algorithm: each user's least-rated unseen items. `leaky` recommends rated ones too."""

    name: ClassVar[str] = "least-popular"
    Params: ClassVar[type] = LeastParams
    order: np.ndarray
    leaky: bool = False

    @classmethod
    def fit(cls, user_idx, item_idx, values, *, n_users, n_items, params=None, on_progress=None):
        return cls(order=np.argsort(np.bincount(item_idx, minlength=n_items), kind="stable"))

    def recommend_batch(self, ratings: sp.csr_matrix, *, n: int) -> np.ndarray:
        rows = []
        for user in range(ratings.shape[0]):
            items = self.order if self.leaky else self.order[~np.isin(self.order, ratings[user].indices)]
            rows.append(np.pad(items[:n], (0, max(0, n - len(items))), constant_values=-1))
        return np.array(rows)


def test_liked_relevance_keeps_the_held_out_ratings_at_or_above_the_threshold():
    holdout = Holdout.make(USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20")

    assert holdout.test_users.tolist() == [0, 1, 2, 3, 4, 5]  # each user's last rating held out
    assert [items.tolist() for items in holdout.relevant("all")] == [[3], [4], [5], [5], [5], [0]]
    assert [items.tolist() for items in holdout.relevant("liked")] == [[3], [4], [], [], [5], []]
    assert [len(items) for items in holdout.relevant("liked", like_threshold=3.0)] == [1, 1, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="unknown relevance 'loved': use liked or all"):
        holdout.relevant("loved")


def test_users_without_a_liked_held_out_item_are_not_scored():
    results = evaluate(USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20", algorithms=[(ItemKnn, None)])
    everyone = evaluate(
        USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20", algorithms=[(ItemKnn, None)], relevance="all"
    )

    assert [r["algorithm"] for r in results] == ["item-knn", POPULARITY]
    assert [r["metrics"]["users"] for r in results] == [3, 3]
    assert [r["metrics"]["users"] for r in everyone] == [6, 6]
    assert results[0]["ratings"] == {"train": 18, "test": 6}
    assert results[0]["relevance"] == "liked"
    assert results[0]["like_threshold"] == 4.0


def test_every_registered_algorithm_is_evaluated_by_default(monkeypatch):
    monkeypatch.setitem(RECOMMENDERS, LeastPopular.name, LeastPopular)

    results = evaluate(USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20", k=2, relevance="all")

    assert [r["algorithm"] for r in results] == [*sorted(RECOMMENDERS), POPULARITY]
    by_name = {r["algorithm"]: r for r in results}
    least = by_name["least-popular"]["metrics"]
    assert set(least) >= {"ndcg@2", "recall@2", "recall@4", "hr@2", "coverage@2", "popularity_bias@2"}
    assert least["popularity_bias@2"] < by_name[POPULARITY]["metrics"]["popularity_bias@2"]  # it shuns popular items
    assert by_name["least-popular"]["fit_seconds"] >= 0
    assert by_name[POPULARITY]["fit_seconds"] is None


def test_an_algorithm_that_recommends_a_rated_item_is_refused():
    holdout = Holdout.make(USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20")
    leaky = type("Leaky", (LeastPopular,), {"fit": classmethod(lambda cls, *a, **kw: cls(np.arange(6), leaky=True))})

    with pytest.raises(ValueError, match="least-popular: recommended an item user 0 rated in training"):
        fit_and_rank(leaky, None, holdout, n=4)


def test_the_validation_holdout_never_scores_a_test_rating():
    test = Holdout.make(USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20")
    validation = Holdout.make(USERS, ITEMS, VALUES, STAMPS, protocol="time-80-20", validation=True)

    assert not (validation.test & test.test).any()
    assert not (validation.train & test.test).any()
    assert validation.test.sum() == 6  # 20% of each user's 3 training ratings, rounded half up: 1
    assert validation.ratings.nnz == 12


def test_item_knn_beats_popularity_on_ml_latest_small(ml_latest_small):
    ratings = read_dataset(ml_latest_small).ratings
    args = (ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps)

    knn, popularity = evaluate(*args, seed=0, algorithms=[(ItemKnn, None)], relevance="all")
    liked_knn, liked_popularity = evaluate(*args, protocol="time-80-20", algorithms=[(ItemKnn, None)])

    assert knn["metrics"]["users"] == 610
    assert knn["ratings"]["test"] == 20164
    assert knn["metrics"]["ndcg@10"] > 1.3 * popularity["metrics"]["ndcg@10"]
    assert 0 < liked_knn["metrics"]["users"] < 610  # some users have no liked rating among their latest
    assert liked_knn["metrics"]["ndcg@10"] > liked_popularity["metrics"]["ndcg@10"]
    assert liked_knn["metrics"]["popularity_bias@10"] < liked_popularity["metrics"]["popularity_bias@10"]

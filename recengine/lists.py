"""Serving from item lists: what every algorithm shares once it has learnt its lists.

An algorithm learns an items x items matrix of weights (row i: the items item i leads to, and how
strongly) and a popularity order for the cold start; it subclasses ItemLists and only fits. A user's
score for an item is the sum of the weights from the items they rated, each times its rating's weight
(matrix.Likes), so recommendations, their evidence, similar items and the batch ranking of the
evaluation are one code path whatever the algorithm.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp

from recengine.matrix import Likes, Mode, interaction_matrix, user_weights
from recengine.scoring import (
    Evidence,
    Ranked,
    evidence_for,
    popularity_order,
    popularity_scores,
    rank,
    recommend,
)


@dataclass(frozen=True)
class ListParams(Likes):
    """What every algorithm's Params holds besides its own knobs: the weights of ratings and the
    popularity list's prior."""

    popularity_prior: float = field(default=100.0, metadata={"help": "see scoring.popularity_scores"})

    def __post_init__(self):
        super().__post_init__()
        if self.popularity_prior < 0:
            raise ValueError(f"--popularity-prior must not be negative, not {self.popularity_prior}")


def popular_items(item_idx: np.ndarray, values: np.ndarray, *, n_items: int, prior: float) -> np.ndarray:
    """Item indices, most popular first (Bayesian-averaged rating, see scoring.popularity_scores)."""
    return popularity_order(*popularity_scores(item_idx, values, n_items=n_items, prior=prior))


@dataclass(frozen=True)
class ItemLists:
    """The item lists an algorithm learnt, and the user-facing reads over them (the Recommender seam
    of recengine.recommender, less `fit`)."""

    params: ListParams
    neighbors: sp.csr_matrix  # items x items; row i: item i's list and its weights
    popular: np.ndarray  # item indices, most popular first
    popularity_rank: np.ndarray = field(init=False)  # position of each item in `popular`

    def __post_init__(self):
        ranks = np.empty(len(self.popular), dtype=np.int64)
        ranks[self.popular] = np.arange(len(self.popular))
        object.__setattr__(self, "popularity_rank", ranks)

    @property
    def n_items(self) -> int:
        return self.neighbors.shape[0]

    @property
    def lists(self) -> sp.csr_matrix:
        return self.neighbors

    @property
    def mode(self) -> Mode:
        """How ratings become weights (see matrix.interaction_matrix)."""
        return "implicit"

    @classmethod
    def from_lists(cls, *, params: ListParams, lists: sp.csr_matrix, popular: np.ndarray) -> Self:
        return cls(params=params, neighbors=sp.csr_matrix(lists, dtype=np.float32), popular=popular)

    def user_weights(self, values: np.ndarray) -> np.ndarray:
        return user_weights(values, likes=self.params, mode=self.mode)

    def recommend(
        self,
        rated: np.ndarray,
        values: np.ndarray,
        *,
        n: int,
        exclude: np.ndarray | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[Ranked]:
        """One user's recommendations, from the items they rated and their ratings; evidence cites
        only the items they liked."""
        return recommend(
            self.neighbors,
            rated=np.asarray(rated, dtype=np.int64),
            weights=self.user_weights(values),
            n=n,
            popular=self.popular,
            popularity_rank=self.popularity_rank,
            exclude=exclude,
            allowed=allowed,
            citable=self.params.liked(values),
        )

    def scores(self, rated: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The user's score for every item (0 where nothing they rated leads to it)."""
        return np.asarray(self.neighbors[np.asarray(rated, dtype=np.int64)].T @ self.user_weights(values)).ravel()

    def evidence(self, rated: np.ndarray, values: np.ndarray, items: np.ndarray) -> list[tuple[Evidence, ...]]:
        """For each of `items`, the liked items that lead to it most (never one rated below the like
        threshold, even when it added to the score)."""
        return evidence_for(
            self.neighbors,
            rated=rated,
            weights=self.user_weights(values),
            items=items,
            citable=self.params.liked(values),
        )

    def similar(self, item: int, *, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The items on `item`'s list with a positive weight, highest first (ties by index)."""
        start, stop = self.neighbors.indptr[item], self.neighbors.indptr[item + 1]
        items, scores = self.neighbors.indices[start:stop], self.neighbors.data[start:stop]
        keep = scores > 0
        if allowed is not None:
            keep &= allowed[items]
        items, scores = items[keep], scores[keep]
        order = np.lexsort((items, -scores))[:n]
        return [(int(items[i]), float(scores[i])) for i in order]

    def recommend_batch(self, ratings: sp.csr_matrix, *, n: int) -> np.ndarray:
        coo = ratings.tocoo()
        shape = {"n_users": ratings.shape[0], "n_items": ratings.shape[1]}
        weights = interaction_matrix(coo.row, coo.col, coo.data, **shape, likes=self.params, mode=self.mode)
        return self.recommend_many(weights, ratings.tocsr(), n=n)

    def recommend_many(self, interactions: sp.csr_matrix, seen: sp.csr_matrix, *, n: int) -> np.ndarray:
        """Top-n item indices for every row of a users x items weight matrix (no evidence), for evaluation.

        Rows are padded with -1 when fewer than n items are left to recommend.
        """
        result = np.full((interactions.shape[0], n), -1, dtype=np.int64)
        block = max(1, (32 * 2**20) // max(1, 4 * self.n_items))
        for start in range(0, interactions.shape[0], block):
            scores = (interactions[start : start + block] @ self.neighbors).toarray()
            for offset, row in enumerate(scores):
                eligible = np.ones(self.n_items, dtype=bool)
                eligible[seen[start + offset].indices] = False
                items, _ = rank(row, n=n, eligible=eligible, popular=self.popular, popularity_rank=self.popularity_rank)
                result[start + offset, : len(items)] = items
        return result


class WholeFit(ItemLists):
    """An algorithm fitted whole from the like-weighted interaction matrix, with no in-place refresh (the
    apps retrain it on the schedule): a subclass gives `Params` and `item_lists`."""

    Params: ClassVar[type]

    @classmethod
    def item_lists(
        cls, interactions: sp.csr_matrix, params: ListParams, on_progress: Callable[[int], None] | None
    ) -> sp.csr_matrix:
        """Items x items weights learnt from the users x items `interactions`."""
        raise NotImplementedError

    @classmethod
    def fit(
        cls,
        user_idx: np.ndarray,
        item_idx: np.ndarray,
        values: np.ndarray,
        *,
        n_users: int,
        n_items: int,
        params: ListParams | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> Self:
        params = params or cls.Params()
        interactions = interaction_matrix(user_idx, item_idx, values, n_users=n_users, n_items=n_items, likes=params)
        lists = cls.item_lists(interactions, params, on_progress)
        popular = popular_items(item_idx, values, n_items=n_items, prior=params.popularity_prior)
        return cls(params=params, neighbors=lists, popular=popular)

"""The seam for recommendation algorithms: what the apps ask of one, and the registry they are chosen from.

Every algorithm here learns item lists: an items x items matrix of weights (row i: the items that item i
leads to) and a popularity order for the cold start; recengine.lists.ItemLists serves from them, so a
new algorithm only fits. The apps save those lists as a version's neighbour rows and load them back in
every serving process, so an algorithm plugs in without touching a caller: a new class and one line in
RECOMMENDERS. Capabilities some algorithms have are protocols of their own.
"""

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import scipy.sparse as sp

from recengine.ease import Ease
from recengine.knn import Triples
from recengine.live_ratings import LiveRatings
from recengine.model import ItemKnn
from recengine.rp3beta import Rp3Beta
from recengine.scoring import Evidence, Ranked


class Recommender(Protocol):
    name: ClassVar[str]  # the registry key, stored with every version it builds
    Params: ClassVar[type]  # a dataclass of its hyperparameters, with as_dict()
    params: Any
    lists: sp.csr_matrix  # items x items weights; row i: item i's list
    popular: np.ndarray  # item indices, most popular first

    @classmethod
    def fit(
        cls,
        user_idx: np.ndarray,
        item_idx: np.ndarray,
        values: np.ndarray,
        *,
        n_users: int,
        n_items: int,
        params: Any = None,
        on_progress: Callable[[int], None] | None = None,  # items done so far
    ) -> Self: ...

    @classmethod
    def from_lists(cls, *, params: Any, lists: sp.csr_matrix, popular: np.ndarray) -> Self:
        """The model again from its saved lists (what `fit` learnt), without the ratings."""

    def recommend(
        self, rated: np.ndarray, values: np.ndarray, *, n: int, allowed: np.ndarray | None = None
    ) -> list[Ranked]:
        """One user's top n (only `allowed` items, never a rated one) with the liked items behind each."""

    def scores(self, rated: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The user's score for every item."""

    def evidence(self, rated: np.ndarray, values: np.ndarray, items: np.ndarray) -> list[tuple[Evidence, ...]]:
        """For each of `items`, the liked items that lead to it, most contributing first (an item rated
        below the like threshold may add to a score but is never cited)."""

    def similar(self, item: int, *, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The item's n most similar (allowed) items with their weights, most similar first."""

    def recommend_batch(self, ratings: sp.csr_matrix, *, n: int) -> np.ndarray:
        """Top-n item indices for every row of a users x items matrix of ratings, rated items left out;
        rows padded with -1 (offline evaluation)."""


@runtime_checkable
class Refreshable(Protocol):
    """Brings its lists up to date in place when only some items' ratings changed (the feedback loop),
    from every rating held in memory (recengine.live_ratings) and the `Columns` (norm, count and sum of
    ratings) a fit keeps with its lists: the work is the changed items' rows, nothing is read. Without it,
    the lists wait for the scheduled retrain (the rater's own list still changes at once). A fitted
    model's `columns` attribute holds them."""

    @classmethod
    def dirty_rows(
        cls,
        params: Any,
        ratings: LiveRatings,
        *,
        norms: np.ndarray,
        dirty: np.ndarray,
        floors: np.ndarray | None = None,
        listed: np.ndarray | None = None,
    ) -> tuple[Triples, Any]: ...

    @classmethod
    def lists_merged(
        cls, params: Any, old: sp.csr_matrix, fresh: Triples, is_dirty: np.ndarray, rows: np.ndarray
    ) -> sp.csr_matrix: ...


class Snapshot(Protocol):
    n_items: int

    def block(self, start: int, stop: int) -> Triples: ...

    def dumps(self) -> bytes: ...


@runtime_checkable
class SplitFit(Protocol):
    """A fit split into item ranges computed apart (on other processes or hosts), then put together."""

    @classmethod
    def prepare(
        cls, user_idx: np.ndarray, item_idx: np.ndarray, values: np.ndarray, *, n_users: int, n_items: int, params: Any
    ) -> Snapshot: ...

    @classmethod
    def load_snapshot(cls, snapshot: bytes, *, params: Any) -> Snapshot: ...

    @classmethod
    def from_blocks(cls, data: Any, blocks: Iterable[tuple[tuple[int, int], Triples]]) -> Self: ...


RECOMMENDERS: dict[str, type[Recommender]] = {algorithm.name: algorithm for algorithm in (ItemKnn, Rp3Beta, Ease)}


class UnknownAlgorithmError(ValueError):
    pass


def recommender_class(name: str) -> type[Recommender]:
    """The registered algorithm called `name`, or UnknownAlgorithmError naming the ones there are."""
    try:
        return RECOMMENDERS[name]
    except KeyError:
        raise UnknownAlgorithmError(f"unknown algorithm {name!r}: use {' or '.join(sorted(RECOMMENDERS))}") from None


def params_for(algorithm: type[Recommender], values: dict | None = None) -> Any:
    """The algorithm's parameters from a dict (a version's stored params, command options): the keys it
    knows, its defaults for the rest."""
    known = set(algorithm.Params.__dataclass_fields__)
    return algorithm.Params(**{key: value for key, value in (values or {}).items() if key in known})

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.db.models import Count

from catalog.models import Category, Item
from feedback.models import Rating
from recommendations.engine.model import ItemKnn, KnnParams
from recommendations.models import ItemNeighbor, ModelVersion


@dataclass(frozen=True)
class EvidenceItem:
    """One of the user's own items that led to a recommendation, with its share of the score."""

    item_id: int
    title: str
    share: float


@dataclass(frozen=True)
class Recommendation:
    item: Item
    score: float
    source: str  # "knn": from the user's ratings; "popular": the cold-start fill
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(frozen=True)
class SimilarItem:
    item: Item
    score: float


@dataclass(frozen=True)
class ServingModel:
    """The active version in memory. Item index i is the i-th most popular item, `item_ids[i]`."""

    version_id: int
    model: ItemKnn
    item_ids: np.ndarray
    _sorted: np.ndarray = field(init=False, repr=False)  # argsort of item_ids, for lookups

    def __post_init__(self):
        object.__setattr__(self, "_sorted", np.argsort(self.item_ids))

    def index_of(self, item_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(model indices of the item pks the model knows, mask over `item_ids` of which it knows)."""
        if not len(self.item_ids):
            return np.zeros(0, dtype=np.int64), np.zeros(len(item_ids), dtype=bool)
        positions = np.searchsorted(self.item_ids, item_ids, sorter=self._sorted)
        positions = self._sorted[np.minimum(positions, len(self._sorted) - 1)]
        known = self.item_ids[positions] == item_ids
        return positions[known], known


_serving: ServingModel | None = None
_serving_lock = threading.Lock()


def serving_model() -> ServingModel | None:
    """The active model version, loaded once per process and reloaded when another one is activated.

    One query per call (the active version's id); the neighbour lists are read only on a change.
    """
    global _serving
    version_id = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", flat=True).first()
    if version_id is None:
        return None
    if _serving is not None and _serving.version_id == version_id:
        return _serving
    with _serving_lock:
        if _serving is None or _serving.version_id != version_id:
            _serving = _serving_model_load(version_id)
    return _serving


def _serving_model_load(version_id: int) -> ServingModel:
    version = ModelVersion.objects.get(pk=version_id)
    item_ids = np.array(version.popular_item_ids, dtype=np.int64)
    rows = np.array(
        ItemNeighbor.objects.filter(version_id=version_id).values_list("item_id", "neighbor_id", "score"),
        dtype=np.float64,
    ).reshape(-1, 3)
    # Every item with neighbours was rated, so it is in the popular list: its position is its index.
    order = np.argsort(item_ids)
    items = order[np.searchsorted(item_ids, rows[:, 0].astype(np.int64), sorter=order)]
    neighbors = order[np.searchsorted(item_ids, rows[:, 1].astype(np.int64), sorter=order)]
    matrix = sp.csr_matrix((rows[:, 2].astype(np.float32), (items, neighbors)), shape=(len(item_ids),) * 2)
    model = ItemKnn(params=KnnParams(**version.params), neighbors=matrix, popular=np.arange(len(item_ids)))
    return ServingModel(version_id=version_id, model=model, item_ids=item_ids)


def recommendations_for_user(
    *, user, n: int = 10, categories: Iterable[str | Category] | None = None
) -> list[Recommendation]:
    """The user's top n active items (optionally only in some categories), best first, with evidence.

    Never an item the user rated. Users with no ratings (or anonymous, `user=None`) get the popular
    list. A constant number of queries whatever n and however many ratings the user has.
    """
    serving = serving_model()
    rated = (
        list(Rating.objects.filter(user=user).values_list("item_id", "value"))
        if user is not None and user.is_authenticated
        else []
    )
    rated_ids = np.array([item_id for item_id, _ in rated], dtype=np.int64)
    values = np.array([float(value) for _, value in rated], dtype=np.float64)
    slugs = sorted({c.slug if isinstance(c, Category) else c for c in categories or ()})

    if serving is None:
        return _popular_by_count(exclude=rated_ids, n=n, slugs=slugs)

    known_idx, known = serving.index_of(rated_ids)
    if slugs:
        allowed = np.isin(serving.item_ids, _active_ids_in(slugs))
    else:
        allowed = ~np.isin(
            serving.item_ids, list(Item.objects.filter(is_active=False).order_by().values_list("pk", flat=True))
        )
    ranked = serving.model.recommend(known_idx, values[known], n=n, allowed=allowed)

    # The items shown are loaded whole; the evidence items only need their titles.
    items = Item.objects.prefetch_related("categories").in_bulk([int(serving.item_ids[r.item]) for r in ranked])
    evidence_ids = {int(serving.item_ids[e.item]) for r in ranked for e in r.evidence}
    titles = dict(Item.objects.filter(pk__in=evidence_ids).values_list("pk", "title")) if evidence_ids else {}
    return [
        Recommendation(
            item=items[int(serving.item_ids[r.item])],
            score=r.score,
            source=r.source,
            evidence=tuple(
                EvidenceItem(item_id=(pk := int(serving.item_ids[e.item])), title=titles[pk], share=e.share)
                for e in r.evidence
            ),
        )
        for r in ranked
    ]


def similar_items(*, item: Item, n: int = 10) -> list[SimilarItem]:
    """The item's nearest active neighbours in the active model version, most similar first."""
    neighbors = (
        ItemNeighbor.objects.filter(version__status=ModelVersion.Status.ACTIVE, item=item, neighbor__is_active=True)
        .select_related("neighbor")
        .prefetch_related("neighbor__categories")
        .order_by("-score", "neighbor_id")[:n]
    )
    return [SimilarItem(item=neighbor.neighbor, score=neighbor.score) for neighbor in neighbors]


def _active_ids_in(slugs: list[str]) -> list[int]:
    return list(
        Item.objects.active().filter(categories__slug__in=slugs).order_by().values_list("pk", flat=True).distinct()
    )


def _popular_by_count(*, exclude: np.ndarray, n: int, slugs: list[str]) -> list[Recommendation]:
    """Before any model is trained: the most rated active items."""
    items = Item.objects.active().exclude(pk__in=exclude.tolist())
    if slugs:
        items = items.filter(categories__slug__in=slugs).distinct()
    items = items.annotate(n_ratings=Count("ratings")).order_by("-n_ratings", "pk").prefetch_related("categories")
    return [Recommendation(item=item, score=0.0, source="popular") for item in items[:n]]

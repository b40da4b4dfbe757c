import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max

from catalog.models import Category, Item
from feedback.models import FeedbackEvent, Rating
from recommendations.encoding import EMBEDDINGS_VERSION_KEY, encoder
from recommendations.engine.model import ItemKnn, KnnParams
from recommendations.engine.scoring import blend
from recommendations.generation import generator_name
from recommendations.llm.intent import IntentParser, ParsedIntent
from recommendations.llm.prompts import PROMPT_VERSION
from recommendations.models import ItemEmbedding, ItemNeighbor, ModelVersion


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
    source: str  # "knn": from the user's ratings; "popular": the fill; "intent": ranked with the request
    evidence: tuple[EvidenceItem, ...] = ()
    similarity: float | None = None  # to the request, for intent requests


class RecommendationList(list):
    """The recommendations, best first, and what the request was understood as (None without one)."""

    def __init__(self, items=(), *, intent: ParsedIntent | None = None):
        super().__init__(items)
        self.intent = intent


@dataclass(frozen=True)
class SimilarItem:
    item: Item
    score: float


@dataclass(frozen=True)
class ServingModel:
    """The active version in memory. Item index i is the i-th most popular item, `item_ids[i]`."""

    version_id: int
    revision: int
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

    One query per call (the active version's id and revision); the neighbour lists are read only when
    another version is activated or the active one is refreshed in place.
    """
    global _serving
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", "revision").first()
    if active is None:
        return None
    if _serving is not None and (_serving.version_id, _serving.revision) == active:
        return _serving
    with _serving_lock:
        if _serving is None or (_serving.version_id, _serving.revision) != active:
            _serving = _serving_model_load(active[0])
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
    return ServingModel(version_id=version_id, revision=version.revision, model=model, item_ids=item_ids)


def recommendations_for_user(
    *, user, n: int = 10, categories: Iterable[str | Category] | None = None, intent: str | None = None
) -> RecommendationList:
    """The user's top n active items (optionally only in some categories), best first, with evidence.

    Never an item the user rated. Users with no ratings (or anonymous, `user=None`) get the popular
    list. With `intent` (a request in plain words) the list keeps to the categories, exclusions and years
    it names and is ranked by a blend of the collaborative score and similarity to the request; the
    parsed request is `result.intent`. An empty request, or one over 500 characters, raises ValueError.
    A constant number of queries whatever n and however many ratings the user has.
    """
    serving = serving_model()
    rated = (
        list(Rating.objects.filter(user=user).values_list("item_id", "value"))
        if user is not None and user.is_authenticated
        else []
    )
    rated_ids = np.array([item_id for item_id, _ in rated], dtype=np.int64)
    values = np.array([float(value) for _, value in rated], dtype=np.float64)
    hidden_ids = hidden_item_ids(user=user)
    slugs = sorted({c.slug if isinstance(c, Category) else c for c in categories or ()})

    if intent is not None:
        return _for_intent(
            intent, serving=serving, rated_ids=rated_ids, values=values, hidden_ids=hidden_ids, n=n, slugs=slugs
        )
    if serving is None:
        return RecommendationList(_popular_by_count(exclude=np.concatenate([rated_ids, hidden_ids]), n=n, slugs=slugs))

    known_idx, known = serving.index_of(rated_ids)
    if slugs:
        allowed = np.isin(serving.item_ids, _active_ids_in(slugs))
    else:
        allowed = ~np.isin(
            serving.item_ids, list(Item.objects.filter(is_active=False).order_by().values_list("pk", flat=True))
        )
    allowed &= ~np.isin(serving.item_ids, hidden_ids)
    ranked = serving.model.recommend(known_idx, values[known], n=n, allowed=allowed)
    return _materialize(
        [
            _Row(
                item_id=int(serving.item_ids[r.item]),
                score=r.score,
                source=r.source,
                evidence=tuple((int(serving.item_ids[e.item]), e.share) for e in r.evidence),
            )
            for r in ranked
        ]
    )


def hidden_item_ids(*, user) -> np.ndarray:
    """Items the user said they do not want (not interested, dislike): never recommended to them again."""
    if user is None or not user.is_authenticated:
        return np.zeros(0, dtype=np.int64)
    hidden = FeedbackEvent.objects.filter(user=user, kind__in=FeedbackEvent.HIDING).values_list("item_id", flat=True)
    return np.array(sorted(set(hidden)), dtype=np.int64)


@dataclass(frozen=True)
class _Row:
    """A recommendation before its items are loaded: pks and figures only."""

    item_id: int
    score: float
    source: str
    evidence: tuple[tuple[int, float], ...] = ()  # (item pk, share)
    similarity: float | None = None


def _materialize(rows: list[_Row], *, intent: ParsedIntent | None = None) -> RecommendationList:
    """Load the items shown, whole with their categories, and the evidence items' titles: 3 queries."""
    items = Item.objects.prefetch_related("categories").in_bulk([row.item_id for row in rows])
    evidence_ids = {pk for row in rows for pk, _ in row.evidence}
    titles = dict(Item.objects.filter(pk__in=evidence_ids).values_list("pk", "title")) if evidence_ids else {}
    return RecommendationList(
        (
            Recommendation(
                item=items[row.item_id],
                score=row.score,
                source=row.source,
                evidence=tuple(EvidenceItem(item_id=pk, title=titles[pk], share=share) for pk, share in row.evidence),
                similarity=row.similarity,
            )
            for row in rows
        ),
        intent=intent,
    )


def evidence_item_ids(*, user, item: Item) -> list[int]:
    """The user's rated items that lead to `item` in the active model, most contributing first."""
    serving = serving_model()
    if serving is None or user is None or not user.is_authenticated:
        return []
    rated = list(Rating.objects.filter(user=user).values_list("item_id", "value"))
    rated_idx, known = serving.index_of(np.array([pk for pk, _ in rated], dtype=np.int64))
    item_idx, item_known = serving.index_of(np.array([item.pk], dtype=np.int64))
    if not len(rated_idx) or not item_known.all():
        return []
    values = np.array([float(value) for _, value in rated])[known]
    [evidence] = serving.model.evidence(rated_idx, values, item_idx)
    return [int(serving.item_ids[e.item]) for e in evidence]


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


@dataclass(frozen=True)
class EmbeddingIndex:
    """Every embedded item's vector under the current encoder, rows in item pk order."""

    token: object
    model_name: str
    item_ids: np.ndarray
    vectors: np.ndarray
    latest_year: int


_embeddings: EmbeddingIndex | None = None
_parser: tuple[tuple[str, ...], int, IntentParser] | None = None


def embedding_index() -> EmbeddingIndex:
    """Loaded once per process; reloaded when `item_embeddings_refresh` has written new vectors."""
    global _embeddings
    token = cache.get(EMBEDDINGS_VERSION_KEY)
    name = encoder().name
    if _embeddings is not None and _embeddings.token == token and _embeddings.model_name == name:
        return _embeddings
    rows = list(ItemEmbedding.objects.filter(model_name=name).order_by("item_id").values_list("item_id", "vector"))
    vectors = np.vstack([np.frombuffer(bytes(vector), dtype=np.float32) for _, vector in rows]) if rows else None
    latest = Item.objects.aggregate(latest=Max("year"))["latest"] or 2000
    _embeddings = EmbeddingIndex(
        token=token,
        model_name=name,
        item_ids=np.array([pk for pk, _ in rows], dtype=np.int64),
        vectors=vectors if vectors is not None else np.zeros((0, encoder().dimensions), dtype=np.float32),
        latest_year=latest,
    )
    return _embeddings


def intent_parse(text: str) -> ParsedIntent:
    """The request understood against the catalogue's categories; ValueError when empty or too long."""
    global _parser
    names = tuple(Category.objects.order_by("name").values_list("name", flat=True))
    year = embedding_index().latest_year
    if _parser is None or _parser[:2] != (names, year):
        _parser = (names, year, IntentParser(list(names), current_year=year, encode=encoder().encode))
    return _parser[2].parse(text)


def _for_intent(
    text: str,
    *,
    serving: ServingModel | None,
    rated_ids: np.ndarray,
    values: np.ndarray,
    hidden_ids: np.ndarray,
    n: int,
    slugs: list[str],
) -> RecommendationList:
    parsed = intent_parse(text)
    index = embedding_index()
    allowed = Item.objects.active()
    for name in parsed.categories:
        allowed = allowed.filter(categories__name=name)
    if parsed.excluded:
        allowed = allowed.exclude(categories__name__in=parsed.excluded)
    if slugs:
        allowed = allowed.filter(categories__slug__in=slugs)
    if parsed.year_min is not None:
        allowed = allowed.filter(year__gte=parsed.year_min)
    if parsed.year_max is not None:
        allowed = allowed.filter(year__lte=parsed.year_max)
    eligible = np.isin(index.item_ids, list(allowed.order_by().values_list("pk", flat=True).distinct()))
    eligible &= ~np.isin(index.item_ids, np.concatenate([rated_ids, hidden_ids]))

    similarity = index.vectors @ parsed.vector
    collaborative = np.zeros(len(index.item_ids))
    rated_idx, rated_known = (np.zeros(0, dtype=np.int64), None) if serving is None else serving.index_of(rated_ids)
    if serving is not None:
        model_idx, in_model = serving.index_of(index.item_ids)
        if len(rated_idx):
            user_scores = serving.model.scores(rated_idx, values[rated_known])
        else:  # no history the model knows: popularity stands in for the collaborative signal
            user_scores = 1.0 - np.arange(len(serving.item_ids)) / max(1, len(serving.item_ids))
        collaborative[np.flatnonzero(in_model)] = user_scores[model_idx]

    chosen, scores = blend(collaborative, similarity, eligible=eligible, weight=settings.RECSITE_INTENT_CF_WEIGHT, n=n)
    evidence: list[tuple] = [()] * len(chosen)
    if len(rated_idx) and len(chosen):
        chosen_idx, chosen_known = serving.index_of(index.item_ids[chosen])
        explained = serving.model.evidence(rated_idx, values[rated_known], chosen_idx)
        for position, found in zip(np.flatnonzero(chosen_known), explained, strict=True):
            evidence[position] = tuple((int(serving.item_ids[e.item]), e.share) for e in found)
    return _materialize(
        [
            _Row(
                item_id=int(index.item_ids[position]),
                score=float(score),
                source="intent",
                evidence=found,
                similarity=float(similarity[position]),
            )
            for position, score, found in zip(chosen, scores, evidence, strict=True)
        ],
        intent=parsed,
    )


def explanation_key(item_id: int, evidence: list[int], intent: str) -> str:
    """A reason's identity: the item, the user's evidence items for it, the request's summary, the
    generator and the prompt version. Users with the same evidence share the reason."""
    parts = [item_id, evidence, intent, generator_name(), PROMPT_VERSION]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def explanation_cache_key(key: str) -> str:
    return f"explanation:{key}"


def explanations_ready(recommendations: "RecommendationList") -> list[bool]:
    """Whether each recommendation's reason is ready in the cache (one round trip, nothing enqueued)."""
    summary = recommendations.intent.describe() if recommendations.intent else ""
    keys = [
        explanation_cache_key(explanation_key(r.item.pk, [e.item_id for e in r.evidence], summary))
        for r in recommendations
    ]
    found = cache.get_many(keys) if keys else {}
    return [key in found for key in keys]

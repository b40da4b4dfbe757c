"""Reads: a user's recommendations (optionally for a request in words) with their evidence, similar items,
and the ratings training reads. No process state here: the in-memory model lives in `serving`."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db.models import Count, Value, prefetch_related_objects

from catalog.models import Category, Item
from common.bulk import arrays_select
from feedback.models import FeedbackEvent, Rating
from language.parsed import ParsedIntent
from recommendations.intent_lists import rank_for_request
from recommendations.serving import ServingModel, parsed_request, serving_model, serving_model_of


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
        self.relaxed: list[str] = []  # what was relaxed to fill the list, in words
        self.conversation: str | None = None  # the conversation this list answers, if any


# Where the site keeps the id of the user's conversation (their last request in words, explanations.views).
CONVERSATION_SESSION_KEY = "conversation"


@dataclass(frozen=True)
class SimilarItem:
    item: Item
    score: float


def recommendations_for_user(
    *,
    user,
    n: int = 10,
    categories: Iterable[str | Category] | None = None,
    intent: str | ParsedIntent | None = None,
    algorithm: str | None = None,
) -> RecommendationList:
    """The user's top n active items (optionally only in some categories), best first, with evidence.

    Never an item the user rated. Users with no ratings (or anonymous, `user=None`) get the popular
    list. With `intent` (a request in plain words, or one already parsed) the list keeps to the categories,
    exclusions and years it names, relaxed with notes in `result.relaxed` when too few items meet them,
    and is ranked toward its anchors, keywords and words (recommendations.intent_lists); the parsed
    request is `result.intent`. An empty request, or one over 500 characters, raises ValueError.
    A constant number of queries whatever n and however many ratings the user has. `algorithm` ranks
    with the newest version that algorithm built instead of the active one (ValueError if none is kept).
    """
    serving = serving_model() if algorithm is None else serving_model_of(algorithm)
    if algorithm is not None and serving is None:
        raise ValueError(f"no trained version of {algorithm!r} is kept (train one: train --algorithm {algorithm})")
    rated, hidden_ids = _user_feedback(user)
    rated_ids = np.array([item_id for item_id, _ in rated], dtype=np.int64)
    values = np.array([float(value) for _, value in rated], dtype=np.float64)
    liked = set(rated_ids[values >= settings.RECSITE_LIKE_THRESHOLD].tolist())
    slugs = sorted({c.slug if isinstance(c, Category) else c for c in categories or ()})

    if intent is not None:
        parsed = intent_parse(intent) if isinstance(intent, str) else intent
        return _for_intent(
            parsed, serving=serving, rated_ids=rated_ids, values=values, hidden_ids=hidden_ids, n=n, slugs=slugs,
            liked=liked,
        )  # fmt: skip
    if serving is None:
        return RecommendationList(_popular_by_count(exclude=np.concatenate([rated_ids, hidden_ids]), n=n, slugs=slugs))

    known_idx, known = serving.index_of(rated_ids)
    allowed = np.isin(serving.item_ids, _active_ids_in(slugs)) if slugs else ~np.isin(serving.item_ids, _inactive_ids())
    allowed &= ~np.isin(serving.item_ids, hidden_ids)
    ranked = serving.model.recommend(known_idx, values[known], n=n, allowed=allowed)
    return _materialize(
        [
            _Row(
                item_id=int(serving.item_ids[r.item]),
                score=r.score,
                source=r.source,
                evidence=_liked(serving, r.evidence, liked),
            )
            for r in ranked
        ]
    )


def _user_feedback(user) -> tuple[list[tuple[int, Decimal]], np.ndarray]:
    """The user's ratings (item pk, value) and the items they said they do not want (not interested,
    dislike), which are never recommended to them again. One query, a union: on a request, a round trip
    costs more than these rows do."""
    if user is None or not user.is_authenticated:
        return [], np.zeros(0, dtype=np.int64)
    hidden = FeedbackEvent.objects.filter(user=user, kind__in=FeedbackEvent.HIDING).values_list(
        "item_id", Value(None, output_field=Rating._meta.get_field("value"))
    )
    rows = list(Rating.objects.filter(user=user).values_list("item_id", "value").union(hidden, all=True))
    hidden_ids = {item_id for item_id, value in rows if value is None}  # a rating's value is never NULL
    return [row for row in rows if row[1] is not None], np.array(sorted(hidden_ids), dtype=np.int64)


@dataclass(frozen=True)
class _Row:
    """A recommendation before its items are loaded: pks and figures only."""

    item_id: int
    score: float
    source: str
    evidence: tuple[tuple[int, float], ...] = ()  # (item pk, share)
    similarity: float | None = None


def _materialize(rows: list[_Row], *, intent: ParsedIntent | None = None) -> RecommendationList:
    """Load the items shown and the evidence items (for their titles) in one query, and the categories of
    those shown: 2 queries (each costs more in the ORM than in the database)."""
    items = Item.objects.in_bulk({row.item_id for row in rows} | {pk for row in rows for pk, _ in row.evidence})
    prefetch_related_objects([items[row.item_id] for row in rows], "categories")
    return RecommendationList(
        (
            Recommendation(
                item=items[row.item_id],
                score=row.score,
                source=row.source,
                evidence=tuple(
                    EvidenceItem(item_id=pk, title=items[pk].title, share=share) for pk, share in row.evidence
                ),
                similarity=row.similarity,
            )
            for row in rows
        ),
        intent=intent,
    )


def evidence_item_ids(*, user, item: Item) -> list[int]:
    """The items the user liked (rated RECSITE_LIKE_THRESHOLD or more) that lead to `item` in the active
    model, most contributing first. An item rated lower is never cited, though it counts in the score."""
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
    liked = {pk for pk, value in rated if float(value) >= settings.RECSITE_LIKE_THRESHOLD}
    return [pk for pk, _ in _liked(serving, evidence, liked)]


def _liked(serving: ServingModel, evidence, liked: set[int]) -> tuple[tuple[int, float], ...]:
    """The evidence (model indices and shares) as (item pk, share), only the items the user liked."""
    found = ((int(serving.item_ids[e.item]), e.share) for e in evidence)
    return tuple((pk, share) for pk, share in found if pk in liked)


def similar_items(*, item: Item, n: int = 10) -> list[SimilarItem]:
    """The item's nearest active items in the active model, most similar first (4 queries)."""
    serving = serving_model()
    if serving is None:
        return []
    index, known = serving.index_of(np.array([item.pk], dtype=np.int64))
    if not known.all():
        return []
    allowed = ~np.isin(serving.item_ids, _inactive_ids())
    found = serving.model.similar(int(index[0]), n=n, allowed=allowed)
    items = Item.objects.prefetch_related("categories").in_bulk([int(serving.item_ids[i]) for i, _ in found])
    return [SimilarItem(item=items[int(serving.item_ids[i])], score=score) for i, score in found]


def _inactive_ids() -> list[int]:
    return list(Item.objects.filter(is_active=False).order_by().values_list("pk", flat=True))


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


def intent_parse(text: str) -> ParsedIntent:
    """The request understood against the catalogue's categories; ValueError when empty or too long."""
    return parsed_request(text)


def _for_intent(
    parsed: ParsedIntent,
    *,
    serving: ServingModel | None,
    rated_ids: np.ndarray,
    values: np.ndarray,
    hidden_ids: np.ndarray,
    n: int,
    slugs: list[str],
    liked: set[int],
) -> RecommendationList:
    rated_idx, rated_known = (np.zeros(0, dtype=np.int64), None) if serving is None else serving.index_of(rated_ids)
    has_history = serving is not None and len(rated_idx) > 0
    ranked = rank_for_request(
        parsed,
        serving=serving,
        rated_ids=rated_ids,
        user_scores=(lambda: serving.model.scores(rated_idx, values[rated_known])) if has_history else None,
        hidden_ids=hidden_ids,
        n=n,
        slugs_item_ids=np.array(_active_ids_in(slugs), dtype=np.int64) if slugs else None,
    )
    evidence: list[tuple] = [()] * len(ranked.item_ids)
    if has_history and len(ranked.item_ids):
        chosen_idx, chosen_known = serving.index_of(ranked.item_ids)
        explained = serving.model.evidence(rated_idx, values[rated_known], chosen_idx)
        for position, found in zip(np.flatnonzero(chosen_known), explained, strict=True):
            evidence[position] = _liked(serving, found, liked)
    result = _materialize(
        [
            _Row(item_id=int(item_id), score=float(score), source="intent", evidence=found, similarity=float(sim))
            for item_id, score, sim, found in zip(
                ranked.item_ids, ranked.scores, ranked.similarities, evidence, strict=True
            )
        ],
        intent=parsed,
    )
    result.relaxed = list(ranked.notes)
    return result


@dataclass(frozen=True)
class RatingArrays:
    """Ratings as columns: user pk, item pk and value of each."""

    user_ids: np.ndarray  # int64
    item_ids: np.ndarray  # int64
    values: np.ndarray  # float32

    def __len__(self) -> int:
        return len(self.values)


def rating_arrays() -> RatingArrays:
    """Every rating (training reads them all: 25M ratings are about 500 MB here, not gigabytes of tuples)."""
    return _ratings_where("", [])


def _ratings_where(where: str, params: list) -> RatingArrays:
    sql = (
        "SELECT CAST(user_id AS BIGINT), CAST(item_id AS BIGINT), CAST(value AS REAL) "  # nosec B608: see below
        f"FROM {Rating._meta.db_table}{where}"  # the table's name, and conditions with placeholders
    )
    user_ids, item_ids, values = arrays_select(sql=sql, params=params, dtypes=("i8", "i8", "f4"))
    return RatingArrays(user_ids, item_ids, values)

"""Reads: a reason's identity (its key) and which reasons are ready in the cache."""

import hashlib
import json

from django.core.cache import cache
from django.db.models import Count, Q

from explanations.generation import adapter_for_user, generator_name
from explanations.models import Explanation
from feedback.models import FeedbackEvent
from language.prompts import PROMPT_VERSION
from recommendations.intents import request_summary
from recommendations.selectors import RecommendationList


def explanation_key(item_id: int, evidence: list[int], intent: str, *, adapter: str | None = None) -> str:
    """A reason's identity: the item, the user's evidence items for it, the request's summary, the
    generator (with the tuned adapter that writes for this user, if any) and the prompt version. Users with
    the same evidence (and adapter) share the reason."""
    parts = [item_id, evidence, intent, generator_name(adapter), PROMPT_VERSION]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def explanation_cache_key(key: str) -> str:
    return f"explanation:{key}"


def explanations_ready(recommendations: RecommendationList, *, user=None) -> list[bool]:
    """Whether each recommendation's reason for `user` is ready in the cache (one round trip, nothing
    enqueued)."""
    adapter = adapter_for_user(_user_id(user))
    keys = [
        explanation_cache_key(
            explanation_key(
                r.item.pk,
                [e.item_id for e in r.evidence],
                request_summary(recommendations.intent, r.item),
                adapter=adapter.version if adapter else None,
            )
        )
        for r in recommendations
    ]
    found = cache.get_many(keys) if keys else {}
    return [key in found for key in keys]


def adapter_feedback() -> list[dict]:
    """Reasons, helpful and unhelpful votes and the helpful rate (helpful / votes) per adapter (None: the
    model alone) and prompt version, newest first: how a trial compares with what is active."""
    rows = (
        Explanation.objects.values("adapter__version", "prompt_version")
        .annotate(
            reasons=Count("pk", distinct=True),
            helpful=Count("feedback", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_HELPFUL)),
            unhelpful=Count("feedback", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_UNHELPFUL)),
        )
        .order_by("-prompt_version", "-adapter__version")
    )
    return [
        {
            "adapter": row["adapter__version"],
            "prompt_version": row["prompt_version"],
            "reasons": row["reasons"],
            "helpful": row["helpful"],
            "unhelpful": row["unhelpful"],
            "helpful_rate": row["helpful"] / votes if (votes := row["helpful"] + row["unhelpful"]) else None,
        }
        for row in rows
    ]


def _user_id(user) -> int | None:
    return user.pk if user is not None and user.is_authenticated else None

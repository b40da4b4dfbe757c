"""Training: fit a recommender (RECSITE_ALGORITHM, or the one asked for) on every rating, here or split
across workers (a Celery chord), write the new version's item lists, and activate it."""

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import KombuError

from common.bulk import rows_insert
from recengine.knn import list_floors
from recengine.model import block_bounds
from recengine.recommender import Recommender, SplitFit, UnknownAlgorithmError, params_for, recommender_class
from recommendations.models import DirtyItem, ItemColumn, ItemNeighbor, ModelVersion, TrainingRun
from recommendations.selectors import rating_arrays
from recommendations.signals import model_version_activated

logger = logging.getLogger(__name__)


class NothingToTrainError(Exception):
    pass


class TrainingRunGoneError(Exception):
    pass


# A blocked training run not finished by then is marked failed (a block failed for good, the callback
# was lost), so the next run can start.
TRAINING_RUN_TIMEOUT = timedelta(hours=1)
# Retired versions kept after a new one is activated, for comparison and rollback.
KEEP_RETIRED = 2


def algorithm_get(name: str | None = None) -> type[Recommender]:
    """The registered recommender called `name` (default RECSITE_ALGORITHM); a field error if none is."""
    try:
        return recommender_class(name or settings.RECSITE_ALGORITHM)
    except UnknownAlgorithmError as exc:
        raise ValidationError({"algorithm": [str(exc)]}) from None


def algorithm_params(recommender: type[Recommender], given: dict | None = None):
    """The algorithm's parameters: those `given`, the site's like threshold (RECSITE_LIKE_THRESHOLD: the
    rating from which an item counts as liked and may be cited as evidence), its defaults for the rest.
    ValueError for a value it refuses."""
    known = {field.name for field in dataclasses.fields(recommender.Params)}
    site = {"like_threshold": settings.RECSITE_LIKE_THRESHOLD} if "like_threshold" in known else {}
    return recommender.Params(**{**site, **(given or {})})


def model_train(
    *, algorithm: str | None = None, params=None, on_progress: Callable[[int, int], None] | None = None
) -> ModelVersion:
    """Fit the algorithm (default RECSITE_ALGORITHM) on every rating, in this process, write the new
    version's item lists, then activate it (see `_version_save`). `params` are the algorithm's (its
    defaults if None); `on_progress(items_done, n_items)` reports the fit's progress."""
    recommender = algorithm_get(algorithm)
    params = params or algorithm_params(recommender)
    if not isinstance(params, recommender.Params):
        raise ValueError(f"{type(params).__name__} are not {recommender.name}'s parameters")
    started = time.monotonic()
    marked = list(DirtyItem.objects.values_list("item_id", "marked"))  # before the ratings: all are in them
    ratings = _ratings_indexed()
    model = recommender.fit(
        *ratings.triples,
        **ratings.shape,
        params=params,
        on_progress=(lambda done: on_progress(done, len(ratings.item_ids))) if on_progress else None,
    )
    return _version_save(
        model=model,
        item_ids=ratings.item_ids,
        n_users=ratings.n_users,
        n_ratings=len(ratings.values),
        marked=marked,
        metrics={"fit_seconds": round(time.monotonic() - started, 3)},
        started=started,
    )


def training_run_start(*, blocks: int, algorithm: str | None = None, params=None) -> TrainingRun:
    """Start a fit split into `blocks` item ranges, run as a Celery chord so training scales out.

    Reads the ratings once into the run's snapshot, then (on commit) sends one `model_train_block_task`
    per range and `model_train_finish_task` as the chord's callback, which writes and activates the
    version. A run still going is returned instead of starting a second; one that has not finished
    within TRAINING_RUN_TIMEOUT (a block failed for good, the callback was lost) is marked failed.
    """
    if blocks < 1:
        raise ValidationError({"blocks": "must be at least 1"})
    recommender = algorithm_get(algorithm)
    if not isinstance(recommender, SplitFit):
        raise ValidationError({"algorithm": [f"{recommender.name} cannot be fitted in blocks: train it with one"]})
    params = params or algorithm_params(recommender)
    _training_runs_expire()
    running = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING).first()
    if running:
        return running
    marked = list(DirtyItem.objects.values_list("item_id", "marked"))
    ratings = _ratings_indexed()
    data = recommender.prepare(*ratings.triples, **ratings.shape, params=params)
    with transaction.atomic():
        run = TrainingRun.objects.create(
            algorithm=recommender.name,
            params=params.as_dict(),
            blocks=len(block_bounds(data.n_items, blocks)),
            n_users=ratings.n_users,
            n_items=data.n_items,
            n_ratings=len(ratings.values),
            snapshot=data.dumps(),
            item_ids=ratings.item_ids.tolist(),
            dirty_marked=[[item_id, when.isoformat()] for item_id, when in marked],
        )
        transaction.on_commit(lambda: _training_chord_send(run))
    return run


def training_block_compute(*, run_id: int, start: int, stop: int) -> dict:
    """One chord member: neighbour rows start..stop-1 of the run's snapshot, as JSON for the result
    backend. Reads only; running it twice gives the same answer."""
    running = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.RUNNING)
    run = running.only("algorithm", "params", "snapshot").first()
    if run is None:
        raise TrainingRunGoneError(f"training run {run_id} is not running (finished, failed or deleted)")
    items, neighbors, scores = _training_data(run).block(start, stop)
    return {
        "start": start,
        "stop": stop,
        "items": items.tolist(),
        "neighbors": neighbors.tolist(),
        "scores": scores.astype(float).tolist(),  # float32 values, exact in JSON's float64
    }


def training_run_finish(*, run_id: int, blocks: list[dict]) -> ModelVersion | None:
    """The chord's callback: put the ranges together, write and activate the version, end the run.

    Idempotent: the run's row is locked, and a run already ended returns its version unchanged.
    """
    started = time.monotonic()
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().get(pk=run_id)
        if run.status != TrainingRun.Status.RUNNING:
            return run.version
        model = recommender_class(run.algorithm).from_blocks(
            _training_data(run),
            (
                (
                    (block["start"], block["stop"]),
                    (
                        np.asarray(block["items"], dtype=np.int64),
                        np.asarray(block["neighbors"], dtype=np.int64),
                        np.asarray(block["scores"], dtype=np.float32),
                    ),
                )
                for block in blocks
            ),
        )
        version = _version_save(
            model=model,
            item_ids=np.asarray(run.item_ids, dtype=np.int64),
            n_users=run.n_users,
            n_ratings=run.n_ratings,
            marked=[(item_id, datetime.fromisoformat(when)) for item_id, when in run.dirty_marked],
            metrics={"blocks": run.blocks, "run_seconds": round((timezone.now() - run.started_at).total_seconds(), 3)},
            started=started,
        )
        run.status, run.version, run.finished_at = TrainingRun.Status.DONE, version, timezone.now()
        run.snapshot, run.dirty_marked = b"", []
        run.save(update_fields=["status", "version", "finished_at", "snapshot", "dirty_marked"])
    return version


def _training_runs_expire() -> None:
    """Mark runs that outlived TRAINING_RUN_TIMEOUT failed, and drop their snapshots."""
    TrainingRun.objects.filter(
        status=TrainingRun.Status.RUNNING, started_at__lt=timezone.now() - TRAINING_RUN_TIMEOUT
    ).update(status=TrainingRun.Status.FAILED, snapshot=b"", error="did not finish in time", finished_at=timezone.now())


def _training_chord_send(run: TrainingRun) -> None:
    from celery import chord

    from recommendations.tasks.training import (  # import late: they import this
        model_train_block_task,
        model_train_finish_task,
    )

    members = [model_train_block_task.s(run.pk, start, stop) for start, stop in block_bounds(run.n_items, run.blocks)]
    try:
        chord(members)(model_train_finish_task.s(run_id=run.pk))
    except (KombuError, OSError) as exc:
        logger.error("training run not enqueued (broker unreachable)", extra={"run_id": run.pk}, exc_info=True)
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.FAILED, snapshot=b"", error=f"not enqueued: {exc}", finished_at=timezone.now()
        )


def _training_data(run: TrainingRun):
    recommender = recommender_class(run.algorithm)
    return recommender.load_snapshot(bytes(run.snapshot), params=params_for(recommender, run.params))


@dataclass(frozen=True)
class _IndexedRatings:
    user_idx: np.ndarray
    item_idx: np.ndarray
    values: np.ndarray
    n_users: int
    item_ids: np.ndarray  # the item pk of each item index, sorted

    @property
    def triples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What an algorithm's fit takes first: user indices, item indices, values."""
        return self.user_idx, self.item_idx, self.values

    @property
    def shape(self) -> dict[str, int]:
        return {"n_users": self.n_users, "n_items": len(self.item_ids)}


def _ratings_indexed() -> _IndexedRatings:
    """Every rating, on dense user and item indices."""
    ratings = rating_arrays()
    if not len(ratings):
        raise NothingToTrainError("there are no ratings to train on (import some: manage.py import_movielens)")
    user_ids, user_idx = np.unique(ratings.user_ids, return_inverse=True)
    item_ids, item_idx = np.unique(ratings.item_ids, return_inverse=True)
    return _IndexedRatings(user_idx, item_idx, ratings.values.astype(np.float64), len(user_ids), item_ids)


def _version_save(
    *,
    model: Recommender,
    item_ids: np.ndarray,
    n_users: int,
    n_ratings: int,
    marked: list[tuple[int, datetime]],
    metrics: dict,
    started: float,
) -> ModelVersion:
    """Write a fitted model as a new version, activate it, and clear the dirty markers it covers.

    The version is written while in the `building` state, which serving never reads, and becomes
    active in one short transaction that retires the previous one; older retired versions are pruned.
    """
    neighbors = model.lists.tocoo()
    version = ModelVersion.objects.create(
        algorithm=model.name,
        params=model.params.as_dict(),
        n_users=n_users,
        n_items=len(item_ids),
        n_ratings=n_ratings,
        n_neighbors=neighbors.nnz,
        popular_item_ids=item_ids[model.popular].tolist(),
        metrics=metrics,
    )
    try:
        with transaction.atomic():
            rows_insert(
                model=ItemNeighbor,
                fields=("version_id", "item_id", "neighbor_id", "score"),
                rows=list(
                    zip(
                        [version.pk] * neighbors.nnz,
                        item_ids[neighbors.row].tolist(),
                        item_ids[neighbors.col].tolist(),
                        neighbors.data.astype(float).tolist(),
                        strict=True,
                    )
                ),
            )
            if getattr(model, "columns", None) is not None:
                item_columns_write(version=version, item_ids=item_ids, columns=model.columns, lists=model.lists)
        _statistics_refresh(ItemNeighbor, ItemColumn)
        model_version_activate(version=version)
    except BaseException:
        version.delete()
        raise
    dirty_markers_clear(marked=marked)
    version.metrics["total_seconds"] = round(time.monotonic() - started, 3)
    version.save(update_fields=["metrics"])
    model_version_activated.send(sender=ModelVersion, version=version)
    return version


def _statistics_refresh(*models) -> None:
    """ANALYZE tables a version just filled (PostgreSQL): a version's lists are read at once (serving, the
    refresh), and a planner that still thinks the table empty picks plans that scan all of it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def item_columns_write(*, version: ModelVersion, item_ids: np.ndarray, columns, lists: sp.csr_matrix) -> None:
    """Store a fit's per-item `columns` (recengine.model.Columns on the index `item_ids`) and each list's
    floor with `version`, for the refresh by change."""
    rows_insert(
        model=ItemColumn,
        fields=("version_id", "item_id", "norm", "ratings", "rating_sum", "floor"),
        rows=list(
            zip(
                [version.pk] * len(item_ids),
                item_ids.tolist(),
                np.asarray(columns.norms, dtype=float).tolist(),
                np.asarray(columns.counts, dtype=np.int64).tolist(),
                np.asarray(columns.sums, dtype=float).tolist(),
                list_floors(lists, k=version.params.get("k", 0)).tolist(),
                strict=True,
            )
        ),
    )


def dirty_markers_clear(*, marked: list[tuple[int, object]]) -> None:
    """Delete exactly the markers read: one marked again since keeps its newer time and stays."""
    for start in range(0, len(marked), 500):
        match = Q()
        for item_id, when in marked[start : start + 500]:
            match |= Q(item_id=item_id, marked=when)
        DirtyItem.objects.filter(match).delete()


def model_version_activate(*, version: ModelVersion) -> None:
    """Make `version` the one serving version, retire the previous one, prune old retired ones."""
    with transaction.atomic():
        ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).exclude(
            pk=version.pk
        ).update(status=ModelVersion.Status.RETIRED)
        version.status = ModelVersion.Status.ACTIVE
        version.activated_at = timezone.now()
        version.save(update_fields=["status", "activated_at"])
    retired = ModelVersion.objects.filter(status=ModelVersion.Status.RETIRED).order_by("-activated_at", "-pk")
    stale = list(retired.values_list("pk", flat=True)[KEEP_RETIRED:])
    if stale:
        ModelVersion.objects.filter(pk__in=stale).delete()

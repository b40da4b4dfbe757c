import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from catalog.models import Item
from feedback.models import Rating
from recommendations.encoding import EMBEDDINGS_VERSION_KEY, encoder, item_text, text_hash
from recommendations.engine.model import ItemKnn, KnnParams, TrainingData, block_bounds
from recommendations.generation import generator, generator_name, reason_facts, reason_guard
from recommendations.llm.prompts import PROMPT_VERSION, template_reason
from recommendations.llm.reasons import write_reasons
from recommendations.models import (
    DirtyItem,
    Explanation,
    ItemEmbedding,
    ItemNeighbor,
    ModelVersion,
    TrainingRun,
)
from recommendations.selectors import (
    evidence_item_ids,
    explanation_cache_key,
    explanation_key,
    intent_parse,
    recommendations_for_user,
)
from recsite.bulk import rows_insert


class NothingToTrainError(Exception):
    pass


class TrainingRunGoneError(Exception):
    pass


# After training, reasons are written ahead for the top few items of the most recently active users.
PRECOMPUTE_USERS, PRECOMPUTE_ITEMS = 20, 3
# A blocked training run not finished by then is marked failed (a block failed for good, the callback
# was lost), so the next run can start.
TRAINING_RUN_TIMEOUT = timedelta(hours=1)
# Retired versions kept after a new one is activated, for comparison and rollback.
KEEP_RETIRED = 2
# Set while a refresh is enqueued and not yet started: the changes meanwhile ride along with it.
REFRESH_REQUESTED_KEY = "model-refresh:requested"
REFRESH_REQUEST_TIMEOUT = 120  # seconds: a lost task's flag expires, and the next change asks again

# How long a ready reason stays in the cache (the database keeps it for good).
EXPLANATION_TTL = 7 * 24 * 3600

logger = logging.getLogger(__name__)


def model_train(
    *, params: KnnParams | None = None, on_progress: Callable[[int, int], None] | None = None
) -> ModelVersion:
    """Fit item-kNN on every rating, in this process, write the new version's neighbour lists, then
    activate it (see `_version_save`). `on_progress(items_done, n_items)` reports the fit's progress."""
    params = params or KnnParams()
    started = time.monotonic()
    marked = list(DirtyItem.objects.values_list("item_id", "marked"))  # before the ratings: all are in them
    ratings = _ratings_indexed()
    model = ItemKnn.fit(
        ratings.user_idx,
        ratings.item_idx,
        ratings.values,
        n_users=ratings.n_users,
        n_items=len(ratings.item_ids),
        params=params,
        on_block=(lambda done: on_progress(done, len(ratings.item_ids))) if on_progress else None,
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


def training_run_start(*, blocks: int, params: KnnParams | None = None) -> TrainingRun:
    """Start a fit split into `blocks` item ranges, run as a Celery chord so training scales out.

    Reads the ratings once into the run's snapshot, then (on commit) sends one `model_train_block_task`
    per range and `model_train_finish_task` as the chord's callback, which writes and activates the
    version. A run still going is returned instead of starting a second; one that has not finished
    within TRAINING_RUN_TIMEOUT (a block failed for good, the callback was lost) is marked failed.
    """
    if blocks < 1:
        raise ValidationError({"blocks": "must be at least 1"})
    params = params or KnnParams()
    _training_runs_expire()
    running = TrainingRun.objects.filter(status=TrainingRun.Status.RUNNING).first()
    if running:
        return running
    marked = list(DirtyItem.objects.values_list("item_id", "marked"))
    ratings = _ratings_indexed()
    data = TrainingData.build(
        ratings.user_idx,
        ratings.item_idx,
        ratings.values,
        n_users=ratings.n_users,
        n_items=len(ratings.item_ids),
        params=params,
    )
    with transaction.atomic():
        run = TrainingRun.objects.create(
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
    run = TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.RUNNING).only("params", "snapshot").first()
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
        model = ItemKnn.from_blocks(
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

    from recommendations.tasks import model_train_block_task, model_train_finish_task  # tasks import services

    members = [model_train_block_task.s(run.pk, start, stop) for start, stop in block_bounds(run.n_items, run.blocks)]
    try:
        chord(members)(model_train_finish_task.s(run_id=run.pk))
    except (KombuError, OSError) as exc:
        logger.error("training run not enqueued (broker unreachable)", extra={"run_id": run.pk}, exc_info=True)
        TrainingRun.objects.filter(pk=run.pk).update(
            status=TrainingRun.Status.FAILED, snapshot=b"", error=f"not enqueued: {exc}", finished_at=timezone.now()
        )


def _training_data(run: TrainingRun) -> TrainingData:
    return TrainingData.loads(bytes(run.snapshot), params=KnnParams(**run.params))


@dataclass(frozen=True)
class _IndexedRatings:
    user_idx: np.ndarray
    item_idx: np.ndarray
    values: np.ndarray
    n_users: int
    item_ids: np.ndarray  # the item pk of each item index, sorted


def _ratings_indexed() -> _IndexedRatings:
    """Every rating, on dense user and item indices."""
    triples = _rating_triples()
    if not len(triples):
        raise NothingToTrainError("there are no ratings to train on (import some: manage.py import_movielens)")
    user_ids, user_idx = np.unique(triples[:, 0].astype(np.int64), return_inverse=True)
    item_ids, item_idx = np.unique(triples[:, 1].astype(np.int64), return_inverse=True)
    return _IndexedRatings(user_idx, item_idx, triples[:, 2], len(user_ids), item_ids)


def _version_save(
    *,
    model: ItemKnn,
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
    neighbors = model.neighbors.tocoo()
    version = ModelVersion.objects.create(
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
        model_version_activate(version=version)
    except BaseException:
        version.delete()
        raise
    _dirty_clear(marked)
    version.metrics["total_seconds"] = round(time.monotonic() - started, 3)
    version.save(update_fields=["metrics"])
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # in-process tasks would make training wait for a language model
        from recommendations.tasks import explanations_precompute_task  # tasks import services: import late

        transaction.on_commit(explanations_precompute_task.delay)
    return version


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
    from recommendations.tasks import model_refresh_task  # tasks import services: import late

    try:
        model_refresh_task.apply_async(countdown=settings.RECSITE_REFRESH_DELAY)
    except (KombuError, OSError) as exc:
        cache.delete(REFRESH_REQUESTED_KEY)
        logger.warning("refresh not enqueued (%s); the periodic sweep will take the changes up", exc)


def model_refresh(*, requested: bool = False) -> RefreshResult | None:
    """Bring the active version's neighbour lists up to date with the items marked dirty, in place.

    Recomputes the marked items' lists and every other list's entries for them (`item_neighbors_refresh`),
    rewrites only the lists that changed and the popularity order, bumps the version's revision (serving
    processes reload on their next request) and clears the markers it read, all in one transaction that
    holds the active version's row: refreshes run one at a time, and never across an activation. A
    `requested` run (the task behind `model_refresh_request`) first clears the request flag. Returns None
    when nothing is marked or no version is active (`train` builds the first one).
    """
    if requested:
        cache.delete(REFRESH_REQUESTED_KEY)
    started = time.monotonic()
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.ACTIVE).first()
        marked = list(DirtyItem.objects.values_list("item_id", "marked"))
        if version is None or not marked:
            return None
        triples = _rating_triples()  # after the markers: every marker read has its rating in here
        user_ids, user_idx = np.unique(triples[:, 0].astype(np.int64), return_inverse=True)
        item_ids, item_idx = np.unique(triples[:, 1].astype(np.int64), return_inverse=True)
        params = KnnParams(**version.params)
        stored = np.array(
            ItemNeighbor.objects.filter(version=version).values_list("item_id", "neighbor_id", "score"),
            dtype=np.float64,
        ).reshape(-1, 3)
        old = _neighbors_on(item_ids, stored)
        dirty, found = _positions(item_ids, [pk for pk, _ in marked])
        dirty = dirty[found]
        model = ItemKnn(params=params, neighbors=old, popular=np.arange(len(item_ids))).refreshed(
            user_idx, item_idx, triples[:, 2], n_users=len(user_ids), dirty=dirty
        )
        difference = (model.neighbors - old).tocoo()
        changed = set(item_ids[np.unique(difference.row[difference.data != 0])].tolist())
        changed |= set(stored[:, 0].astype(np.int64).tolist()) - set(item_ids.tolist())  # no ratings left
        ItemNeighbor.objects.filter(version=version, item_id__in=changed).delete()
        fresh = model.neighbors.tocoo()
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
        _dirty_clear(marked)
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


def _rating_triples() -> np.ndarray:
    """Every rating as rows of (user pk, item pk, value)."""
    ratings = Rating.objects.values_list("user_id", "item_id", "value")
    return np.array(list(ratings.iterator(chunk_size=20_000)), dtype=np.float64).reshape(-1, 3)


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


def _dirty_clear(marked: list[tuple[int, object]]) -> None:
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


@dataclass(frozen=True)
class ExplanationResult:
    status: str  # "ready" or "pending"
    text: str = ""
    source: str = ""  # "generated" or "template"
    verdict: str = ""
    explanation_id: int | None = None


def explanation_for(
    *, user, item: Item, intent: str | None = None, enqueue: Callable[[int], None] | None = None
) -> ExplanationResult:
    """The reason for recommending `item` to `user`: ready text from the cache or the database, or
    pending with exactly one generation task enqueued for its key, however many requests race.

    `enqueue` takes the id of a newly created pending reason instead of the default (one task, on commit).
    """
    evidence = evidence_item_ids(user=user, item=item)
    summary = intent_parse(intent).describe() if intent else ""
    key = explanation_key(item.pk, evidence, summary)
    cached = cache.get(explanation_cache_key(key))
    if cached:
        return ExplanationResult(status=Explanation.Status.READY, **cached)
    explanation, created = Explanation.objects.get_or_create(
        key=key,
        defaults={
            "item": item,
            "evidence_item_ids": evidence,
            "intent": summary,
            "model_name": generator_name(),
            "prompt_version": PROMPT_VERSION,
        },
    )
    if explanation.status == Explanation.Status.READY:
        _explanation_cache(explanation)
        return _result(explanation)
    if created:
        (enqueue or _explanations_enqueue_one)(explanation.pk)
    return ExplanationResult(status=Explanation.Status.PENDING, explanation_id=explanation.pk)


def explanations_generate(*, explanation_ids: list[int], batch_size: int | None = None) -> int:
    """Write the pending reasons among `explanation_ids`, `batch_size` prompts at a time: generated text
    if it passes the guard, one stricter retry, else the template. Returns how many were written.

    Idempotent: reasons already ready (or gone) are left as they are, also when two workers race.
    """
    pending = list(
        Explanation.objects.filter(pk__in=explanation_ids, status=Explanation.Status.PENDING)
        .select_related("item")
        .prefetch_related("item__categories")
        .order_by("pk")
    )
    if not pending:
        return 0
    facts = [reason_facts(item=row.item, evidence_item_ids=row.evidence_item_ids, intent=row.intent) for row in pending]
    outcomes = write_reasons(
        facts,
        generate=generator().generate,
        guard=reason_guard(),
        batch_size=batch_size or settings.RECSITE_REASON_BATCH_SIZE,
    )
    written = 0
    for explanation, outcome in zip(pending, outcomes, strict=True):
        written += Explanation.objects.filter(pk=explanation.pk, status=Explanation.Status.PENDING).update(
            status=Explanation.Status.READY,
            text=outcome.text,
            source=outcome.source,
            verdict=outcome.verdict,
            updated=timezone.now(),
        )
    for explanation in Explanation.objects.filter(pk__in=[row.pk for row in pending]):
        _explanation_cache(explanation)
    return written


def explanation_replace_with_template(*, explanation: Explanation) -> Explanation:
    """After "reason unhelpful": a generated reason gives way to the template from the same facts (which
    says only what the facts say); the cache is updated on commit. A template reason stays as it is."""
    if explanation.source == Explanation.Source.GENERATED:
        facts = reason_facts(
            item=explanation.item, evidence_item_ids=explanation.evidence_item_ids, intent=explanation.intent
        )
        explanation.text = template_reason(facts)
        explanation.source = Explanation.Source.TEMPLATE
        explanation.verdict = "; ".join(filter(None, [explanation.verdict, "replaced after unhelpful feedback"]))
        explanation.save(update_fields=["text", "source", "verdict", "updated"])
        transaction.on_commit(lambda: _explanation_cache(explanation), robust=True)
    return explanation


def explanations_precompute(*, users: int = PRECOMPUTE_USERS, items: int = PRECOMPUTE_ITEMS) -> int:
    """Ask for the reasons of the top `items` recommendations of the `users` most recently active users,
    so they are ready before anyone looks. Returns how many were asked for; each new key is written once,
    by generation tasks of a batch each."""
    recent = Rating.objects.values("user_id").annotate(last=Max("updated")).order_by("-last", "user_id")[:users]
    user_model = get_user_model()
    created: list[int] = []
    asked = 0
    for user in user_model.objects.filter(pk__in=[row["user_id"] for row in recent]):
        for recommendation in recommendations_for_user(user=user, n=items):
            explanation_for(user=user, item=recommendation.item, enqueue=created.append)
            asked += 1
    batch = settings.RECSITE_REASON_BATCH_SIZE
    for start in range(0, len(created), batch):
        _explanations_enqueue(created[start : start + batch])
    return asked


def _explanations_enqueue_one(explanation_id: int) -> None:
    _explanations_enqueue([explanation_id])


def _explanations_enqueue(explanation_ids: list[int]) -> None:
    from recommendations.tasks import explanations_generate_task  # tasks import services: import late

    transaction.on_commit(lambda: explanations_generate_task.delay(explanation_ids))


def _explanation_cache(explanation: Explanation) -> None:
    value = {"text": explanation.text, "source": explanation.source, "verdict": explanation.verdict}
    cache.set(
        explanation_cache_key(explanation.key), {**value, "explanation_id": explanation.pk}, timeout=EXPLANATION_TTL
    )


def _result(explanation: Explanation) -> ExplanationResult:
    return ExplanationResult(
        status=explanation.status,
        text=explanation.text,
        source=explanation.source,
        verdict=explanation.verdict,
        explanation_id=explanation.pk,
    )

from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import OperationalError

from recommendations.generation import generator
from recommendations.services import (
    NothingToTrainError,
    TrainingRunGoneError,
    explanations_generate,
    explanations_precompute,
    item_embeddings_refresh,
    model_refresh,
    model_refresh_sweep,
    model_train,
    training_block_compute,
    training_run_finish,
    training_run_start,
)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def item_embeddings_refresh_task() -> None:
    """Embed new and changed items (routed to the `llm` queue by CELERY_TASK_ROUTES). Idempotent: a
    second run finds nothing to do."""
    item_embeddings_refresh()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def explanations_generate_task(explanation_ids: list[int]) -> None:
    """Write a batch of pending reasons (routed to the `llm` queue). Those done already, or gone, are
    skipped: running twice is harmless."""
    explanations_generate(explanation_ids=explanation_ids)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def explanations_precompute_task() -> None:
    """After training: ask for the reasons recently active users will see first (bounded; each key once)."""
    explanations_precompute()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def model_refresh_task() -> None:
    """The coalesced refresh (see `model_refresh_request`). In one transaction, so a worker killed
    mid-task leaves nothing half-done and the redelivered task does the whole work once."""
    model_refresh(requested=True)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def model_refresh_sweep_task() -> None:
    """Periodic (celery beat): refresh whatever is still marked dirty."""
    model_refresh_sweep()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def model_retrain_task() -> None:
    """Periodic (celery beat): the full retrain, which also catches what incremental refreshes approximate.
    In this worker, or split across workers when RECSITE_TRAIN_BLOCKS is above 1."""
    try:
        if settings.RECSITE_TRAIN_BLOCKS > 1:
            training_run_start(blocks=settings.RECSITE_TRAIN_BLOCKS)
        else:
            model_train()
    except NothingToTrainError:
        return


# Chord members must store their results (the global default ignores them) for the callback to read.
@shared_task(
    acks_late=True,
    ignore_result=False,
    autoretry_for=(OperationalError,),
    dont_autoretry_for=(TrainingRunGoneError,),
    retry_backoff=True,
    max_retries=5,
)
def model_train_block_task(run_id: int, start: int, stop: int) -> dict:
    """One item range of a blocked training run (see `training_run_start`). Pure computation on the
    run's snapshot: running it twice gives the same result."""
    return training_block_compute(run_id=run_id, start=start, stop=stop)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def model_train_finish_task(blocks: list[dict], run_id: int) -> None:
    """The chord's callback: every range's result, put together into the new active version. Idempotent."""
    training_run_finish(run_id=run_id, blocks=blocks)


@worker_process_init.connect
def _load_generator(**kwargs) -> None:
    """On the `llm` workers (RECSITE_LLM_WORKER=true), load the generator once as each process starts."""
    if settings.RECSITE_LLM_WORKER:
        generator()

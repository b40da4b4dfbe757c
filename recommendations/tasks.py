from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import OperationalError

from recommendations.generation import generator
from recommendations.services import (
    NothingToTrainError,
    explanations_generate,
    explanations_precompute,
    item_embeddings_refresh,
    model_refresh,
    model_refresh_sweep,
    model_train,
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
    """Periodic (celery beat): the full retrain, which also catches what incremental refreshes approximate."""
    try:
        model_train()
    except NothingToTrainError:
        return


@worker_process_init.connect
def _load_generator(**kwargs) -> None:
    """On the `llm` workers (RECSITE_LLM_WORKER=true), load the generator once as each process starts."""
    if settings.RECSITE_LLM_WORKER:
        generator()

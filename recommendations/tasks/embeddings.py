from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings
from django.db import OperationalError

from recommendations.services.embeddings import item_embeddings_requested, item_embeddings_sweep, vector_index_build
from recommendations.serving import encoder


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def item_embeddings_task() -> None:
    """The coalesced embedding of marked items (see `item_embeddings_request`; the `llm` queue by
    CELERY_TASK_ROUTES). Idempotent: what it finished is unmarked, what it did not stays marked."""
    item_embeddings_requested()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def item_embeddings_sweep_task() -> None:
    """Periodic (celery beat): take up items still marked whose task was lost; ask for a graph when due."""
    item_embeddings_sweep()


# On a `default` worker (CELERY_TASK_ROUTES): CPU work, about a minute at 62k items on 2 cores. Its time
# limits stay under the broker's visibility timeout, so a long build is never delivered twice.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=600,
    time_limit=660,
)
def vector_index_build_task(model_name: str) -> None:
    """Build and store the approximate-search graph over `model_name`'s vectors (a rerun builds it again)."""
    vector_index_build(model_name=model_name)


@worker_process_init.connect
def _load_encoder(**kwargs) -> None:
    """On the `llm` workers (RECSITE_LLM_WORKER=true), load the encoder as each process starts, so that the
    first new item is not kept waiting for it."""
    if settings.RECSITE_LLM_WORKER:
        encoder()

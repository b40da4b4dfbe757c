from celery import shared_task
from celery.signals import worker_process_init
from django.conf import settings

from explanations.admission import explanations_requeue_stale
from explanations.generation import generator, serving_adapters
from explanations.services import explanations_generate, explanations_precompute
from explanations.tuning import adapter_tune_if_due
from language.server import GeneratorUnavailable


@shared_task(acks_late=True, autoretry_for=(ConnectionError, GeneratorUnavailable), retry_backoff=True, max_retries=8)
def explanations_generate_task(explanation_ids: list[int]) -> None:
    """Write a batch of pending reasons (routed to the `llm` queue). Those done already, or gone, are
    skipped: running twice is harmless. A generator server that does not answer leaves them pending, and
    the task is retried later, with backoff."""
    explanations_generate(explanation_ids=explanation_ids)


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def explanations_precompute_task() -> None:
    """After training: ask for the reasons recently active users will see first (bounded; each key once)."""
    explanations_precompute()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def explanations_requeue_stale_task() -> None:
    """Beat: enqueue again the reasons whose task was lost (the broker was down, a worker died)."""
    explanations_requeue_stale()


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3,
             soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)  # fmt: skip
def adapter_tune_task() -> None:
    """Beat (routed to the `llm` queue): tune the generator's adapter once enough new accepted reasons
    have arrived (explanations.tuning). Idempotent: one run at a time (a lock), and a redelivered task
    finds no new reasons since the set it built."""
    adapter_tune_if_due()


@worker_process_init.connect
def _load_generator(**kwargs) -> None:
    """On the `llm` workers (RECSITE_LLM_WORKER=true), load the generator (and the tuned adapters serving)
    once as each process starts."""
    if settings.RECSITE_LLM_WORKER:
        generator()
        for adapter in serving_adapters():  # the tuned adapters serving, if any
            if adapter is not None:
                generator(adapter)

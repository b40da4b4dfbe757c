from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from recommendations.services.training import (
    NothingToTrainError,
    TrainingRunGoneError,
    model_train,
    training_block_compute,
    training_run_finish,
    training_run_start,
)


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

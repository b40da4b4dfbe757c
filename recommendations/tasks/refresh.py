from celery import shared_task
from django.db import OperationalError

from recommendations.services.refresh import model_refresh, model_refresh_sweep


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def model_refresh_task() -> None:
    """The coalesced refresh (see `model_refresh_request`). In one transaction, so a worker killed
    mid-task leaves nothing half-done and the redelivered task does the whole work once."""
    model_refresh(requested=True)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def model_refresh_sweep_task() -> None:
    """Periodic (celery beat): refresh whatever is still marked dirty."""
    model_refresh_sweep()

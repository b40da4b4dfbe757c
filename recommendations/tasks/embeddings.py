from celery import shared_task

from recommendations.services.embeddings import item_embeddings_refresh


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def item_embeddings_refresh_task() -> None:
    """Embed new and changed items (routed to the `llm` queue by CELERY_TASK_ROUTES). Idempotent: a
    second run finds nothing to do."""
    item_embeddings_refresh()

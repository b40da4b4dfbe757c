"""Celery tasks of the recommendations app, one module per service module (each imports only its own)."""

from recommendations.tasks import embeddings, refresh, training  # noqa: F401  (registers the tasks)

# The Celery app is loaded with Django so that @shared_task binds to it.
from recsite import checks  # noqa: F401  (registers recsite's system checks; recsite is no app to do it)
from recsite.celery import app as celery_app

__all__ = ("celery_app",)

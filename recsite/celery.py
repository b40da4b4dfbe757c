"""The Celery application. Configuration lives in settings (the CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings")

app = Celery("recsite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import common.observability  # noqa: E402,F401  (connects the task log's signal handlers)

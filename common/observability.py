"""What an operator reads: one log line per request and per task (JSON in production, with durations
and task ids), and the counters behind /health/."""

import logging
import time

from celery.signals import task_failure, task_postrun, task_prerun
from django.db import DatabaseError

request_log = logging.getLogger("recsite.request")
task_log = logging.getLogger("recsite.task")
_task_started: dict[str, float] = {}


class RequestLogMiddleware:
    """Logs every request once it is answered: method, path, status, duration and user id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "user_id": _user_id(request),
            },
        )
        return response


def _user_id(request) -> int | None:
    user = getattr(request, "user", None)  # lazy: reading it may load the session
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:  # the database is down; the answer (a 503) is made already
        return None


@task_prerun.connect
def _task_started_at(task_id=None, **kwargs) -> None:
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_done(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    task_log.info(
        "task %s %s",
        task.name,
        state,
        extra={
            "task": task.name,
            "task_id": task_id,
            "state": state,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
            "retries": task.request.retries,
        },
    )


@task_failure.connect
def _task_failed(task_id=None, sender=None, exception=None, **kwargs) -> None:
    task_log.error("task %s failed: %s", sender.name, exception, extra={"task": sender.name, "task_id": task_id})


def process_memory_mb() -> dict[str, float]:
    """This process's resident memory now and at its peak, in MB (Linux's /proc; the peak from getrusage)."""
    import os
    import resource

    page = os.sysconf("SC_PAGE_SIZE")
    try:
        with open("/proc/self/statm") as statm:
            rss = int(statm.read().split()[1]) * page
    except OSError:
        rss = 0
    peak = max(rss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)  # KiB on Linux, updated lazily
    return {"rss_mb": round(rss / 2**20, 1), "peak_rss_mb": round(peak / 2**20, 1)}

"""The health check's probes: each answers "ok" or "down", quickly, and never says more (no URLs, hosts or
errors: those go to the log)."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from recsite.db_routers import REPLICA, primary_reads, replica_configured

logger = logging.getLogger(__name__)


def health_report(*, connection) -> dict:
    database = _probe("database", lambda: connection.cursor().execute("SELECT 1"))
    cache_state = _probe("cache", getattr(cache, "ping", lambda: cache.set("health:probe", 1, timeout=5)))
    broker = "in-process" if settings.CELERY_TASK_ALWAYS_EAGER else _probe("broker", _broker_ping)
    replica = {}
    if replica_configured():
        replica["replica"] = _probe("replica", lambda: connections[REPLICA].cursor().execute("SELECT 1"))
    version, revision, work = None, None, {}
    if database == "ok":
        from recommendations.models import ModelVersion

        with primary_reads():  # the primary's figures, whether or not the replica answers
            active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", "revision")
            version, revision = active.first() or (None, None)
            work = _work_counters()
    if database != "ok":
        overall = "down"
    elif "down" in (cache_state, broker, *replica.values()):
        overall = "degraded"
    else:
        overall = "ok"
    return {
        "status": overall,
        "database": database,
        "cache": cache_state,
        "broker": broker,
        **replica,
        "model_version": version,
        "model_revision": revision,
        **work,
    }


def _work_counters() -> dict:
    """Background work an operator watches: reasons waiting and how they were written, and how long the
    oldest rating change has waited for its refresh."""
    from django.db.models import Count, Min, Q
    from django.utils import timezone

    from recommendations.models import DirtyItem, Explanation

    reasons = Explanation.objects.aggregate(
        pending=Count("pk", filter=Q(status=Explanation.Status.PENDING)),
        generated=Count("pk", filter=Q(status=Explanation.Status.READY, source=Explanation.Source.GENERATED)),
        template=Count("pk", filter=Q(status=Explanation.Status.READY, source=Explanation.Source.TEMPLATE)),
        rejected=Count("pk", filter=Q(status=Explanation.Status.READY) & ~Q(verdict="")),
    )
    oldest = DirtyItem.objects.aggregate(oldest=Min("marked"))["oldest"]
    return {
        "pending_reasons": reasons["pending"],
        "reasons": {key: reasons[key] for key in ("generated", "template", "rejected")},
        "refresh_lag_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0.0,
    }


def _broker_ping() -> None:
    from recsite.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)


def _probe(name: str, check) -> str:
    try:
        check()
    except Exception:  # any failure is "down"; the details go to the log, never to the answer
        logger.warning("health: %s is down", name, exc_info=True)
        return "down"
    return "ok"

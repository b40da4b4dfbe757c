"""/health/: whether the database, the cache and the broker answer, and which model version serves. Each
probe answers "ok" or "down", quickly, and never says more (no URLs, hosts or errors: those go to the log)."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.db_routers import REPLICA, primary_reads, replica_configured

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

    from explanations.models import Explanation
    from recommendations.models import DirtyItem

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


class ReasonCountsSerializer(serializers.Serializer):
    generated = serializers.IntegerField(help_text="Ready reasons the language model wrote.")
    template = serializers.IntegerField(help_text="Ready reasons from the template (fallback or unhelpful).")
    rejected = serializers.IntegerField(help_text="Ready reasons for which the guard rejected some text.")


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "degraded", "down"])
    database = serializers.ChoiceField(["ok", "down"])
    cache = serializers.ChoiceField(["ok", "down"])
    broker = serializers.ChoiceField(["ok", "down", "in-process"])
    replica = serializers.ChoiceField(["ok", "down"], required=False, help_text="With a read replica configured.")
    model_version = serializers.IntegerField(allow_null=True, help_text="The active model version, if any.")
    model_revision = serializers.IntegerField(allow_null=True)
    pending_reasons = serializers.IntegerField(required=False, help_text="Reasons waiting for a worker.")
    reasons = ReasonCountsSerializer(required=False)
    refresh_lag_seconds = serializers.FloatField(
        required=False, help_text="How long the oldest rating change has waited for the model refresh."
    )


class HealthView(APIView):
    """Whether the database, the cache and the broker answer, and which model version serves. 503 when
    the database is down (nothing works then); a cache or broker outage is "degraded"."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(responses={200: HealthSerializer, 503: HealthSerializer})
    def get(self, request: Request) -> Response:
        report = health_report(connection=connection)
        code = status.HTTP_503_SERVICE_UNAVAILABLE if report["status"] == "down" else status.HTTP_200_OK
        return Response(HealthSerializer(report).data, status=code)

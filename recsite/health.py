"""Health, from the cheapest answer to the fullest:

- `/health/live/`: the process answers; it touches nothing (liveness probes).
- `/health/`: the process and its database answer, one `SELECT 1` (the load balancer's readiness check:
  503 when the database is down). These two are open, unthrottled, and exempt from the HTTPS redirect
  (SECURE_REDIRECT_EXEMPT), so a proxy's probe over plain HTTP gets an answer rather than a 301.
- `/health/detail/`: the database, the cache, the broker, the replica, the model version and the background
  work, which counts tables and connects to the broker: for staff, or a monitor that sends
  RECSITE_HEALTH_TOKEN in the X-Health-Token header; throttled (the "health" rate).

Each probe answers "ok" or "down", quickly, and never says more (no URLs, hosts or errors: those go to the log)."""

import hmac
import logging
import os

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from common.db_routers import REPLICA, primary_reads, replica_configured
from common.observability import process_memory_mb

logger = logging.getLogger(__name__)
HEALTH_TOKEN_HEADER = "X-Health-Token"


def database_probe(*, connection) -> str:
    return _probe("database", lambda: connection.cursor().execute("SELECT 1"))


def health_report(*, connection) -> dict:
    database = database_probe(connection=connection)
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
        "process": _process_report(),
    }


def _process_report() -> dict:
    """The process that answered: its memory, and how it has read the model and the item vectors (a
    "full" load reads everything; "changes" only what a refresh or new embeddings changed)."""
    from recommendations import serving, vector_index

    return {
        "pid": os.getpid(),
        **process_memory_mb(),
        "model_loads": {"full": serving.LOADS["full"], "changes": serving.LOADS["changes"]},
        "vector_loads": {"full": vector_index.LOADS["full"], "changes": vector_index.LOADS["changes"]},
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


class LoadCountsSerializer(serializers.Serializer):
    full = serializers.IntegerField(help_text="Whole loads.")
    changes = serializers.IntegerField(help_text="Loads of only what changed.")


class ProcessSerializer(serializers.Serializer):
    pid = serializers.IntegerField()
    rss_mb = serializers.FloatField(help_text="Resident memory now.")
    peak_rss_mb = serializers.FloatField(help_text="Resident memory at its peak.")
    model_loads = LoadCountsSerializer()
    vector_loads = LoadCountsSerializer()


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
    process = ProcessSerializer(help_text="The process that answered: its memory and how it read the model.")


class LiveSerializer(serializers.Serializer):
    status = serializers.CharField(help_text='Always "ok": the process answers.')


class ReadySerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "down"])
    database = serializers.ChoiceField(["ok", "down"])


class HealthLiveView(APIView):
    """The process answers: nothing is touched (no database, cache or broker). For liveness probes."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(responses={200: LiveSerializer})
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class HealthView(APIView):
    """Whether the database answers (one `SELECT 1`, nothing counted): 503 when it is down (take the host
    out of rotation). For the load balancer's readiness check; the full report is /health/detail/."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(responses={200: ReadySerializer, 503: ReadySerializer})
    def get(self, request: Request) -> Response:
        database = database_probe(connection=connection)
        code = status.HTTP_200_OK if database == "ok" else status.HTTP_503_SERVICE_UNAVAILABLE
        return Response({"status": database, "database": database}, status=code)


class HealthTokenOrStaff(permissions.BasePermission):
    """Staff (session or JWT), or a caller that sends RECSITE_HEALTH_TOKEN in the X-Health-Token header
    (never when the setting is empty)."""

    def has_permission(self, request: Request, view) -> bool:
        if request.user is not None and request.user.is_staff:
            return True
        expected = settings.RECSITE_HEALTH_TOKEN
        given = request.headers.get(HEALTH_TOKEN_HEADER, "")
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


class HealthReportView(APIView):
    """Whether the database, the cache and the broker answer, which model version serves, and the
    background work. 503 when the database is down (nothing works then); a cache or broker outage is
    "degraded". Staff or the health token only, and throttled: it counts tables and connects to the broker."""

    permission_classes = [HealthTokenOrStaff]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "health"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                HEALTH_TOKEN_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="RECSITE_HEALTH_TOKEN, for a monitor that is not signed in as staff.",
            )
        ],
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request: Request) -> Response:
        report = health_report(connection=connection)
        code = status.HTTP_503_SERVICE_UNAVAILABLE if report["status"] == "down" else status.HTTP_200_OK
        return Response(HealthSerializer(report).data, status=code)

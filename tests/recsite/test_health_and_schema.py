"""Accounts, tokens, health and the schema; the auth matrix over every endpoint."""

import json
import os

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from feedback.services import rating_upsert
from tests.api import jwt_client
from tests.factories import ExplanationFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


HEALTH_TOKEN = "a-monitoring-token-of-some-length-0123456789"


@pytest.fixture
def monitor(settings):
    """A monitoring client that sends the health token (RECSITE_HEALTH_TOKEN) and is not signed in."""
    settings.RECSITE_HEALTH_TOKEN = HEALTH_TOKEN
    return APIClient(headers={"X-Health-Token": HEALTH_TOKEN})


def test_the_probes_touch_nothing_costly_and_answer_plain_http(
    client, settings, monkeypatch, django_assert_num_queries
):
    import recsite.health

    settings.SECURE_SSL_REDIRECT = True  # a proxy's probe on plain HTTP must not get a 301
    monkeypatch.setattr(recsite.health, "_broker_ping", lambda: pytest.fail("a probe connected to the broker"))
    monkeypatch.setattr(recsite.health, "_work_counters", lambda: pytest.fail("a probe counted a table"))

    with django_assert_num_queries(0):
        live = client.get("/health/live/")
    with django_assert_num_queries(1):  # SELECT 1
        ready = client.get("/health/")

    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ok", "database": "ok"})
    assert client.get("/health/detail/").status_code == 301  # the full report only over HTTPS


def test_the_readiness_probe_answers_503_when_the_database_is_down(monkeypatch):
    import recsite.health

    monkeypatch.setattr(recsite.health, "database_probe", lambda *, connection: "down")

    response = APIClient().get("/health/")

    assert (response.status_code, response.json()) == (503, {"status": "down", "database": "down"})


def test_the_detailed_report_is_for_staff_or_the_health_token_only(settings, clean_cache):
    settings.RECSITE_HEALTH_TOKEN = HEALTH_TOKEN
    staff = APIClient()
    staff.force_login(UserFactory(is_staff=True))

    assert APIClient().get("/health/detail/").status_code == 401
    assert APIClient(headers={"X-Health-Token": "a-guess"}).get("/health/detail/").status_code == 401
    assert jwt_client(UserFactory()).get("/health/detail/").status_code == 403
    assert APIClient(headers={"X-Health-Token": HEALTH_TOKEN}).get("/health/detail/").status_code == 200
    assert staff.get("/health/detail/").status_code == 200
    settings.RECSITE_HEALTH_TOKEN = ""  # unset: no token opens it, the empty one least of all
    assert APIClient(headers={"X-Health-Token": ""}).get("/health/detail/").status_code == 401


def test_the_detailed_report_is_throttled(monitor, clean_cache, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "health", "3/minute")

    answers = [monitor.get("/health/detail/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0


def test_health_reports_each_service_and_no_secrets(monitor, clean_cache):
    response = monitor.get("/health/detail/")

    assert response.status_code == 200
    body = response.json()
    process = body.pop("process")
    assert body == {
        "status": "ok", "database": "ok", "cache": "ok", "broker": "ok", "model_version": None, "model_revision": None,
        "pending_reasons": 0, "reasons": {"generated": 0, "template": 0, "rejected": 0}, "refresh_lag_seconds": 0.0,
    }  # fmt: skip
    assert process["pid"] == os.getpid()
    assert 0 < process["rss_mb"] <= process["peak_rss_mb"]
    assert set(process["model_loads"]) == set(process["vector_loads"]) == {"full", "changes"}
    assert "redis://" not in response.content.decode()


def test_health_counts_the_background_work(monitor, clean_cache):
    ExplanationFactory(status="pending", text="", source="")
    ExplanationFactory(source="generated")
    ExplanationFactory(source="template", verdict="first: names 'Disney'")
    rating_upsert(user=UserFactory(), item=ItemFactory(), value="4")

    body = monitor.get("/health/detail/").json()

    assert body["pending_reasons"] == 1
    assert body["reasons"] == {"generated": 1, "template": 1, "rejected": 1}
    assert 0 <= body["refresh_lag_seconds"] < 60


def test_health_says_degraded_when_the_broker_is_unreachable(monitor, clean_cache):
    from recsite.celery import app

    broker = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        body = monitor.get("/health/detail/").json()
    finally:
        app.conf.broker_url = broker
    assert (body["status"], body["broker"], body["database"]) == ("degraded", "down", "ok")


def test_the_schema_is_valid_and_served(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert APIClient().get("/api/schema/").status_code == 200
    assert APIClient().get("/api/docs/").status_code == 200


def test_the_schema_passes_the_openapi_specification_validator():
    """What client generators read: every operation declares exactly the path parameters its URL has
    (the ratings list once declared the detail's item_id, and generators skipped it)."""
    from drf_spectacular.generators import SchemaGenerator
    from openapi_spec_validator import validate

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate(json.loads(json.dumps(schema, default=str)))
    listing = schema["paths"]["/api/v1/ratings/"]["get"]
    assert [p["name"] for p in listing.get("parameters", []) if p["in"] == "path"] == []


# Every endpoint: (method, path, body) and what anonymous, user A, user B and staff get. Personal data
# ({rating} and {event} belong to A) answers 404 to B: it does not exist for them.
MATRIX = [
    ("get", "/api/v1/me/", None, (401, 200, 200, 200)),
    ("get", "/api/v1/items/", None, (200, 200, 200, 200)),
    ("get", "/api/v1/items/{item}/", None, (200, 200, 200, 200)),
    ("get", "/api/v1/items/{hidden}/", None, (404, 404, 404, 200)),
    ("get", "/api/v1/items/{item}/similar/", None, (200, 200, 200, 200)),
    ("post", "/api/v1/items/", {"title": "New", "categories": []}, (401, 403, 403, 201)),
    ("patch", "/api/v1/items/{item}/", {"title": "Renamed"}, (401, 403, 403, 200)),
    ("delete", "/api/v1/items/{spare}/", None, (401, 403, 403, 204)),
    ("get", "/api/v1/recommendations/", None, (200, 200, 200, 200)),
    ("get", "/api/v1/explanations/?item={item}", None, (202, 202, 202, 202)),
    ("get", "/api/v1/ratings/", None, (401, 200, 200, 200)),
    ("get", "/api/v1/ratings/{item}/", None, (401, 200, 404, 404)),
    ("put", "/api/v1/ratings/{item}/", {"value": "4.5"}, (401, 200, 201, 201)),
    ("delete", "/api/v1/ratings/{rated}/", None, (401, 204, 404, 404)),
    ("get", "/api/v1/feedback/", None, (401, 200, 200, 200)),
    ("get", "/api/v1/feedback/{event}/", None, (401, 200, 404, 404)),
    ("post", "/api/v1/feedback/", {"item": "{item}", "kind": "like"}, (401, 201, 201, 201)),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX])
def test_the_auth_matrix(clean_cache, method, path, body, expected):
    from feedback.models import FeedbackEvent

    a, b, staff = UserFactory(), UserFactory(), UserFactory(is_staff=True)
    item, hidden, spare, rated = ItemFactory(), ItemFactory(is_active=False), ItemFactory(), ItemFactory()
    RatingFactory(user=a, item=item)
    RatingFactory(user=a, item=rated)
    event = FeedbackEvent.objects.create(user=a, item=item, kind="like")
    ExplanationFactory(item=item, status="pending", text="", source="")
    names = {"item": item.pk, "hidden": hidden.pk, "spare": spare.pk, "rated": rated.pk, "event": event.pk}
    url = path.format(**names)
    data = {key: (int(value.format(**names)) if isinstance(value, str) and "{" in value else value)
            for key, value in (body or {}).items()}  # fmt: skip

    answers = []
    for client in (APIClient(), jwt_client(a), jwt_client(b), jwt_client(staff)):
        if method == "delete" and path.startswith("/api/v1/items/"):
            spare.is_active = True
            spare.save()
        answers.append(getattr(client, method)(url, data or None, format="json").status_code)

    assert tuple(answers) == expected

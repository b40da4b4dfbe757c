"""The API fuzzed from its own OpenAPI schema (schemathesis, in-process over WSGI) with the checks an outside
`schemathesis run --checks ...` makes of every answer: no server error, and a documented status code,
content type, body and headers. Every operation gets a bounded number of generated requests, valid and
invalid, signed in and anonymous, over real data; then once more under tight rate limits, so the 429s (and
their Retry-After) are checked too; and every method a path does not take must be a JSON 405 with `Allow`
naming exactly those it does. Not checked: that all schema-valid data is accepted, since some rules are not
expressible in OpenAPI (a username already taken, an item that does not exist or is not active, a refresh
token that is not one, a password too common)."""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recommendations.services.training import model_train
from recsite.wsgi import application
from tests.api import jwt_client
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
# What an outside run checks of each answer (the CLI's --checks); unsupported_method is the 405 test below.
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )


@contextmanager
def connection_kept_open():
    """Called straight through WSGI, Django would close the test's database connection after each
    request; keep it open, as Django's own test client does (so no test client may run meanwhile)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def operations():
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 20
    return found


def fuzz(operation, *, mode: GenerationMode, examples: int, headers: dict) -> list:
    """Call the operation with generated requests, checking each answer; the answers."""
    answers = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @fuzz_settings(examples)
    def run(case):
        answers.append(case.call_and_validate(headers=headers, checks=CONFORMANCE))

    run()
    return answers


def takes_input(operation) -> bool:
    """Whether there is anything to make invalid (a request of GET /api/v1/me/ has nothing)."""
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


@pytest.fixture
def no_rate_limits(monkeypatch):
    """Limits have their own pass below; here hundreds of requests would only meet 429s."""
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_every_answer_conforms_to_the_schema(signed_in, taste_world, clean_cache, no_rate_limits):
    model_train()
    token = jwt_client(taste_world["newcomer"])._credentials["HTTP_AUTHORIZATION"]
    headers = {"Authorization": token} if signed_in else {}
    statuses = {}
    with connection_kept_open():
        for operation in operations():
            answers = fuzz(operation, mode=GenerationMode.POSITIVE, examples=15, headers=headers)
            if takes_input(operation):
                answers += fuzz(operation, mode=GenerationMode.NEGATIVE, examples=8, headers=headers)
            statuses[operation.label] = {answer.status_code for answer in answers}

    assert {200, 400, 404} <= set().union(*statuses.values())  # answers and errors both met the schema
    assert statuses["GET /api/v1/me/"] == ({200} if signed_in else {401})


def test_rate_limited_answers_conform_to_the_schema(taste_world, clean_cache, monkeypatch):
    for scope in SimpleRateThrottle.THROTTLE_RATES:
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, "1/minute")
    headers = {"Authorization": jwt_client(taste_world["newcomer"])._credentials["HTTP_AUTHORIZATION"]}
    with connection_kept_open():
        answers = [
            answer
            for each in operations()
            for answer in fuzz(each, mode=GenerationMode.POSITIVE, examples=2, headers=headers)
        ]

    limited = [answer for answer in answers if answer.status_code == 429]
    assert len(limited) > len(answers) // 2  # the user's limit is spent on the first request
    assert all(int(answer.headers["retry-after"][0]) > 0 for answer in limited)


def test_every_method_a_path_does_not_take_is_a_json_405_with_allow(clean_cache, no_rate_limits):
    staff = jwt_client(UserFactory(is_staff=True))  # past every permission: what is left is the method
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for template, path_item in paths.items():
        declared = {method for method in path_item if method in HTTP_METHODS}
        allow = {method.upper() for method in declared} | {"OPTIONS"} | ({"HEAD"} if "get" in declared else set())
        path = template.replace("{id}", "1").replace("{item_id}", "1")
        for method in sorted(HTTP_METHODS - declared):
            answer = getattr(staff, method)(path)

            assert answer.status_code == 405, (method, path)
            assert answer["Content-Type"] == "application/json"
            assert set(answer["Allow"].split(", ")) == allow, (method, path)
            assert "detail" in answer.json()

"""The API fuzzed from its own OpenAPI schema (schemathesis, in-process over WSGI): every operation, a
bounded number of generated requests each, as a signed-in user with real data. No answer may be a server
error, and every answer must match the schema (status, content type, body). One check is left out:
"schema-valid data must be accepted", since some rules are not expressible in OpenAPI (a username already
taken, a reason kind that needs its reason, an item that is not active)."""

from contextlib import contextmanager

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.specs.openapi.checks import positive_data_acceptance

from recommendations.services.training import model_train
from recsite.wsgi import application
from tests.api import jwt_client

pytestmark = [pytest.mark.slow, pytest.mark.django_db]
EXAMPLES_PER_OPERATION = 25
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
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


def test_every_operation_matches_its_schema_and_never_fails(taste_world, clean_cache, monkeypatch):
    model_train()
    # Limits have their own tests; here hundreds of requests would only meet 429s.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    token = jwt_client(taste_world["newcomer"])._credentials["HTTP_AUTHORIZATION"]
    with connection_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 20

        for operation in operations:

            @given(case=operation.as_strategy())
            @FUZZ_SETTINGS
            def fuzz(case):
                case.call_and_validate(headers={"Authorization": token}, excluded_checks=[positive_data_acceptance])

            fuzz()

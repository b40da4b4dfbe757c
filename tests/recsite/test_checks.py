"""recsite.E001: behind a TLS proxy the rate limits must count the proxies, or every client shares the
proxy's one bucket. An Error, so `check --deploy`, `migrate`, `runserver` and gunicorn's workers refuse it."""

import pytest
from django.core.checks import ERROR, run_checks
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from recsite.checks import proxy_count_check
from tests.processes import manage
from tests.recsite.test_settings import PRODUCTION

pytestmark = pytest.mark.django_db


def behind_proxy(settings, proxies):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}


@pytest.mark.parametrize("proxies", [0, None])
def test_a_trusted_tls_proxy_with_no_proxies_counted_is_an_error(settings, proxies):
    behind_proxy(settings, proxies)

    [error] = proxy_count_check(None)

    assert (error.id, error.level) == ("recsite.E001", ERROR)
    assert "DJANGO_NUM_PROXIES" in error.hint
    assert "recsite.E001" in [message.id for message in run_checks()]  # registered with Django's checks


def test_with_the_proxies_counted_or_no_proxy_trusted_the_check_passes(settings):
    behind_proxy(settings, 1)
    assert proxy_count_check(None) == []
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert proxy_count_check(None) == []


def test_with_one_proxy_counted_two_clients_behind_it_get_a_bucket_each(settings, clean_cache, monkeypatch):
    """What the check protects: the anonymous limit counts the address the proxy saw, not the proxy's."""
    behind_proxy(settings, 1)
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "anon", "2/minute")

    def ask(client_address):
        return (
            APIClient().get("/api/v1/items/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=client_address).status_code
        )

    assert [ask("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert ask("198.51.100.9") == 200  # another client behind the same proxy is not held back


@pytest.mark.slow
def test_check_deploy_refuses_a_trusted_proxy_without_a_proxy_count_and_passes_with_one():
    refused = manage("check", "--deploy", env={**PRODUCTION, "DJANGO_BEHIND_TLS_PROXY": "true"})
    counted = manage(
        "check", "--deploy", env={**PRODUCTION, "DJANGO_BEHIND_TLS_PROXY": "true", "DJANGO_NUM_PROXIES": "1"}
    )

    assert refused.returncode == 1
    assert "recsite.E001" in refused.stderr
    assert counted.returncode == 0, counted.stdout + counted.stderr
    assert "recsite.E001" not in counted.stdout + counted.stderr

import pytest
from django.conf import settings
from django.core.cache import cache

from recsite.celery import app as celery_app
from tests.processes import manage

PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-production-secret-of-fifty-or-more-characters-Zq81xLw0pTc5vY",
    "DJANGO_ALLOWED_HOSTS": "recsite.example.com",
    "DATABASE_URL": "postgres://recsite@db.internal:5432/recsite",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


@pytest.mark.slow
def test_documented_production_environment_passes_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_missing_secret_key_with_debug_off_is_one_clear_line():
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}

    result = manage("check", env=env)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "configuration error: DJANGO_SECRET_KEY is not set; it is required when DJANGO_DEBUG is off "
        "(set DJANGO_DEBUG=true for development, see docs/DEPLOY.md)"
    ]


NO_MAIL = {"EMAIL_URL": "", "EMAIL_HOST": "", "EMAIL_BACKEND": ""}  # whatever the test run's environment says
MAIL_SETTINGS = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.RECSITE_PASSWORD_RESET)"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, "console localhost 25 False False"),  # production, no mail: the reset is off
        ({"DJANGO_DEBUG": "true"}, "console localhost 25 False True"),  # development: the console shows the mail
        ({"EMAIL_URL": "smtp+tls://robot:secret@smtp.example.com:587"}, "smtp smtp.example.com 587 True True"),
        ({"EMAIL_HOST": "smtp.example.com", "EMAIL_PORT": "2525"}, "smtp smtp.example.com 2525 False True"),
    ],
    ids=["production-no-mail", "development", "email-url", "email-host"],
)
def test_mail_comes_from_the_environment_and_the_reset_needs_it_outside_development(environment, expected):
    result = manage("shell", "-c", MAIL_SETTINGS, env=PRODUCTION | NO_MAIL | environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_celery_speaks_json_only_with_time_limits_and_both_queues():
    conf = celery_app.conf
    assert conf.accept_content == ["json"]
    assert (conf.task_serializer, conf.result_serializer) == ("json", "json")
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert {queue.name for queue in conf.task_queues} == {"default", "llm"}
    assert conf.task_default_queue == "default"


def test_suite_runs_on_postgresql_and_redis():
    """The test command points at real services; the embedded default has its own smoke test."""
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "common.cache.TolerantRedisCache"  # Django's RedisCache, tolerant
    assert not celery_app.conf.task_always_eager


def test_cache_round_trips_through_redis(clean_cache):
    cache.set("recsite-test-key", {"answer": 42}, timeout=30)
    assert cache.get("recsite-test-key") == {"answer": 42}


def test_broker_accepts_connections():
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.connected

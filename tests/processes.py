"""Running manage.py and celery workers in child processes, with an environment the test controls."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the settings read; a child starts without these unless the test passes them.
SETTINGS_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_", "RECSITE_", "MOVIELENS_PATH")


def bare_environ() -> dict[str, str]:
    """This process's environment without any setting, and without the env file (.env) either."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_VARIABLES)}
    return base | {"RECSITE_ENV_FILE": ""}


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    base = bare_environ()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def child_env(**overrides: str) -> dict[str, str]:
    """Settings for a child that works on this test run's PostgreSQL database and Redis (tests that use
    it need `django_db(transaction=True)`, so the child sees their rows)."""
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    return {
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{connection.settings_dict['NAME']}"
        ),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "RECSITE_ALGORITHM": settings.RECSITE_ALGORITHM,  # the algorithm the test chose
        **overrides,
    }


def celery_worker(*, queues: str, env: dict[str, str], app: str = "recsite") -> subprocess.Popen:
    """A real `celery worker` (one prefork child) consuming `queues`."""
    base = bare_environ()
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", app, "worker", "-Q", queues, "-c", "1", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=REPO, env={**base, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()

"""Running manage.py in a child process, with an environment the test controls."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the settings read; a child starts without these unless the test passes them.
SETTINGS_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_", "RECSITE_", "MOVIELENS_PATH")


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_VARIABLES)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

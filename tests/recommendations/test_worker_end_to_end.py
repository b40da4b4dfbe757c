"""A reason written by a real `celery worker` process on the `llm` queue, through Redis and PostgreSQL."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from recommendations.models import Explanation
from recommendations.services import explanation_for, model_train
from tests.processes import REPO, SETTINGS_VARIABLES

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def llm_worker(tiny_model, llm_queue):
    """`celery -A recsite worker -Q llm` against the test database, with the tiny generator preloaded."""
    database = settings.DATABASES["default"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_VARIABLES)}
    env.update(
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{connection.settings_dict['NAME']}"
        ),
        REDIS_URL=os.environ["REDIS_URL"],
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="false",
        RECSITE_GENERATOR_PATH=str(tiny_model),
        RECSITE_LLM_WORKER="true",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "llm", "-c", "1", "--pool", "prefork",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def test_a_real_worker_writes_the_pending_reason(taste_world, clean_cache, llm_worker):
    model_train()
    user, aliens = taste_world["newcomer"], taste_world["films"]["Aliens"]

    assert explanation_for(user=user, item=aliens).status == "pending"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and Explanation.objects.filter(status="ready").count() == 0:
        assert llm_worker.poll() is None, llm_worker.stdout.read()
        time.sleep(0.5)

    result = explanation_for(user=user, item=aliens)
    assert result.status == "ready"
    assert result.source == "template"
    assert result.text == "Because you liked Alien: a 1995 Sci-Fi film."

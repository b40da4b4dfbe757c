"""A reason written by a real `celery worker` process on the `llm` queue, through Redis and PostgreSQL."""

import time

import pytest

from explanations.models import Explanation
from explanations.services import explanation_request
from recommendations.services.training import model_train
from tests.processes import celery_worker, child_env, stop

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def llm_worker(tiny_model, llm_queue):
    """`celery -A recsite worker -Q llm` against the test database, with the tiny generator preloaded."""
    env = child_env(RECSITE_GENERATOR_PATH=str(tiny_model), RECSITE_LLM_WORKER="true")
    worker = celery_worker(queues="llm", env=env)
    yield worker
    stop(worker)


def test_a_real_worker_writes_the_pending_reason(taste_world, clean_cache, llm_worker):
    model_train()
    user, aliens = taste_world["newcomer"], taste_world["films"]["Aliens"]

    assert explanation_request(user=user, item=aliens).status == "pending"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and Explanation.objects.filter(status="ready").count() == 0:
        assert llm_worker.poll() is None, llm_worker.stdout.read()
        time.sleep(0.5)

    result = explanation_request(user=user, item=aliens)
    assert result.status == "ready"
    assert result.source == "template"
    assert result.text == "Because you liked Alien: a 1995 Sci-Fi film."

"""Embeddings written by a real `celery worker` process on the `llm` queue, through Redis and PostgreSQL:
`embed_items` hands its run to the worker that listens, and an item added through the admin is found by a
request in words within 10 s (issue 21)."""

import time
from io import StringIO

import pytest
from django.core.management import call_command

from recommendations import vector_index as vectors
from recommendations.management.commands.embed_items import _llm_workers
from recommendations.models import ItemEmbedding
from recommendations.selectors import recommendations_for_user
from recommendations.services.training import model_train
from tests.processes import celery_worker, child_env, stop
from tests.recommendations.test_embedding_flow import solaris_added_in_the_admin

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def llm_worker(tiny_model, llm_queue):
    """`celery -A recsite worker -Q llm`, as on the GPU host: the generator and the encoder load as it starts."""
    worker = celery_worker(
        queues="llm", env=child_env(RECSITE_GENERATOR_PATH=str(tiny_model), RECSITE_LLM_WORKER="true")
    )
    yield worker
    stop(worker)


def test_a_worker_embeds_the_catalogue_and_then_a_new_item_within_seconds(
    taste_world, clean_cache, llm_worker, admin_client, settings
):
    settings.RECSITE_INTENT_CF_WEIGHT = 0.0  # ranked by the request's words: the new item can come first
    model_train()
    listening(llm_worker)
    out, err = StringIO(), StringIO()

    call_command("embed_items", stdout=out, stderr=err)  # on the worker that listens, followed here

    assert "(the llm queue)" in err.getvalue(), err.getvalue()
    assert out.getvalue().strip() == "Embedded 6 items (0 unchanged)"
    assert ItemEmbedding.objects.count() == 6
    vectors.vector_index()
    full_loads = vectors.LOADS["full"]

    added = time.monotonic()
    response = solaris_added_in_the_admin(admin_client, taste_world["scifi"])
    assert response.status_code == 302
    found = []
    while time.monotonic() - added < 10 and not found:
        assert llm_worker.poll() is None, llm_worker.stdout.read()
        result = recommendations_for_user(user=None, n=1, intent="a space station above an ocean planet")
        found = [r.item.title for r in result if r.item.title == "Solaris"]
        time.sleep(0.1)

    assert found, "the new item was not found within 10 s"
    assert vectors.LOADS["full"] == full_loads  # this process read only the changed vectors


def listening(worker, *, seconds: float = 120) -> None:
    """Until the worker answers the broker's roll call for the `llm` queue."""
    deadline = time.monotonic() + seconds
    while not _llm_workers():
        assert worker.poll() is None, worker.stdout.read()
        assert time.monotonic() < deadline, "the worker never listened on the llm queue"

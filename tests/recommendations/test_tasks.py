import pytest

from recommendations.models import ItemEmbedding
from recommendations.tasks.embeddings import item_embeddings_refresh_task
from recsite.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_embedding_task_runs_on_the_llm_queue_and_twice_is_harmless(taste_world, clean_cache):
    route = celery_app.amqp.router.route({}, item_embeddings_refresh_task.name)
    assert route["queue"].name == "llm"

    item_embeddings_refresh_task.apply().get()
    first = dict(ItemEmbedding.objects.values_list("item_id", "updated"))
    item_embeddings_refresh_task.apply().get()

    assert len(first) == 6
    assert dict(ItemEmbedding.objects.values_list("item_id", "updated")) == first

import pytest

from recommendations.models import ItemEmbedding, ItemToEmbed
from recommendations.tasks.embeddings import item_embeddings_task, vector_index_build_task
from recsite.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_embedding_task_runs_on_the_llm_queue_and_twice_is_harmless(taste_world, clean_cache):
    assert celery_app.amqp.router.route({}, item_embeddings_task.name)["queue"].name == "llm"
    assert celery_app.amqp.router.route({}, vector_index_build_task.name)["queue"].name == "default"

    item_embeddings_task.apply().get()
    first = dict(ItemEmbedding.objects.values_list("item_id", "updated"))
    ItemToEmbed.objects.create(item=taste_world["films"]["Heat"])  # marked again, text unchanged
    item_embeddings_task.apply().get()

    assert len(first) == 6
    assert dict(ItemEmbedding.objects.values_list("item_id", "updated")) == first
    assert not ItemToEmbed.objects.exists()

"""New and edited items are embedded after their transaction commits, by one coalesced task on the `llm`
queue, and a serving process reads only the vectors that changed (real encoder, PostgreSQL and Redis)."""

import re
from collections import Counter
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog.models import Item
from catalog.services import item_create, item_update
from datasets.services import dataset_import
from recommendations import vector_index as vectors
from recommendations.models import ItemEmbedding, ItemToEmbed, VectorIndexSnapshot
from recommendations.selectors import recommendations_for_user
from recommendations.services.embeddings import (
    item_embeddings_embed_marked,
    item_embeddings_refresh,
    item_embeddings_sweep,
    vector_index_build,
)
from recommendations.services.training import model_train
from recommendations.serving import encoder
from recommendations.tasks.embeddings import item_embeddings_task
from tests.dataset_files import write_csv
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db
OCEAN = "a psychologist sent to a space station above an ocean planet"


@pytest.fixture
def embedded(taste_world, clean_cache):
    model_train()
    item_embeddings_refresh()
    return taste_world


@pytest.fixture
def fresh_process(monkeypatch):
    """This process as one that has read no vectors yet, counting its loads from zero."""
    monkeypatch.setattr(vectors, "_loaded", None)
    monkeypatch.setattr(vectors, "LOADS", Counter())
    return vectors.LOADS


@pytest.fixture
def by_words_alone(settings):
    """Requests ranked by their words only: an unrated new item can come first."""
    settings.RECSITE_INTENT_CF_WEIGHT = 0.0


def titles(result) -> list[str]:
    return [r.item.title for r in result]


def solaris_added_in_the_admin(admin_client, category):
    """A staff user adds a film through the admin's form; the answer."""
    return admin_client.post(
        reverse("admin:catalog_item_add"),
        {
            "title": "Solaris", "year": "1972", "categories": [category.pk], "keywords": "",
            "description": "A psychologist is sent to a space station orbiting an ocean planet.",
            "is_active": "on", "external_ids": "{}",
        },
    )  # fmt: skip


def test_an_item_added_through_the_admin_is_embedded_by_one_task_and_found_by_a_request_in_words(
    embedded, admin_client, llm_queue, django_capture_on_commit_callbacks, by_words_alone
):
    with django_capture_on_commit_callbacks(execute=True):
        response = solaris_added_in_the_admin(admin_client, embedded["scifi"])
    assert response.status_code == 302
    solaris = Item.objects.get(title="Solaris")
    assert ItemToEmbed.objects.filter(item=solaris).exists()  # marked in the admin's transaction
    assert llm_queue() == 1  # the save and its categories: one task, on the llm queue
    assert "Solaris" not in titles(recommendations_for_user(user=None, n=3, intent=OCEAN))

    item_embeddings_task.apply()  # what the llm worker runs

    assert ItemEmbedding.objects.filter(item=solaris).exists()
    assert not ItemToEmbed.objects.exists()
    assert titles(recommendations_for_user(user=None, n=1, intent=OCEAN)) == ["Solaris"]


def test_an_import_of_many_items_marks_them_all_and_enqueues_one_task(
    tmp_path, clean_cache, llm_queue, django_capture_on_commit_callbacks
):
    movies = [(str(n), f"Film {n} (1990)", ["Drama"]) for n in range(1, 401)]
    path = write_csv(tmp_path / "ml", movies=movies, ratings=[("1", "1", "4.0", "964982703")])

    with django_capture_on_commit_callbacks(execute=True):
        dataset_import(path=path)

    assert ItemToEmbed.objects.count() == 400
    assert llm_queue() == 1


def test_only_a_change_to_an_items_text_marks_it(embedded):
    heat = embedded["films"]["Heat"]

    item_update(item=heat, is_featured=True)
    assert not ItemToEmbed.objects.exists()  # a curation flag is not in the text
    item_update(item=heat, keywords="heist")
    embedded["drama"].name = "Drama Film"
    embedded["drama"].save()  # renamed in every drama's text

    assert set(ItemToEmbed.objects.values_list("item__title", flat=True)) == {"Heat", "Ran", "Brazil"}


def test_a_process_reads_only_the_vectors_that_changed(embedded, fresh_process, by_words_alone):
    films = embedded["films"]
    vectors.vector_index()
    item_update(item=films["Heat"], keywords="heist, bank robbery, los angeles")
    solaris = item_create(
        title="Solaris",
        year=1972,
        description="A psychologist is sent to a space station orbiting an ocean planet.",
        categories=[embedded["scifi"]],
    )
    films["Ran"].delete()

    assert item_embeddings_embed_marked().embedded == 2
    index = vectors.vector_index()

    assert fresh_process == {"full": 1, "changes": 1}  # the whole table was read once
    assert solaris.pk in index.item_ids
    assert films["Ran"].pk not in index.item_ids
    heat = ItemEmbedding.objects.get(item=films["Heat"]).vector
    assert np.array_equal(index.vectors[index.rows_of([films["Heat"].pk])[0]], np.frombuffer(heat, np.float32))
    assert titles(recommendations_for_user(user=None, n=1, intent=OCEAN)) == ["Solaris"]
    assert vectors.vector_index() is index
    assert fresh_process["changes"] == 1


def test_with_a_stored_graph_a_process_searches_it_and_adds_what_changed_since(
    embedded, fresh_process, settings, by_words_alone
):
    settings.RECSITE_ANN_MIN_ITEMS = 3
    exact = titles(recommendations_for_user(user=None, n=6, intent="a sci-fi film with aliens"))
    assert vectors.vector_index().graph is None  # none stored yet: exact search

    assert vector_index_build(model_name=encoder().name).items == 6
    index = vectors.vector_index()

    assert index.graph is not None
    assert len(index.graph) == 6
    assert fresh_process["graph"] == 1
    assert titles(recommendations_for_user(user=None, n=6, intent="a sci-fi film with aliens")) == exact
    solaris = item_create(
        title="Solaris",
        year=1972,
        description="A space station orbiting an ocean planet.",
        categories=[embedded["scifi"]],
    )
    item_embeddings_embed_marked()
    assert vectors.vector_index().graph.contains(solaris.pk)
    assert titles(recommendations_for_user(user=None, n=1, intent=OCEAN)) == ["Solaris"]
    assert fresh_process["full"] == 1
    assert VectorIndexSnapshot.objects.count() == 1


def test_the_sweep_asks_again_for_items_whose_task_was_lost(taste_world, clean_cache, llm_queue):
    assert ItemToEmbed.objects.count() == 6  # marked when created; no commit asked for a task here

    item_embeddings_sweep()
    item_embeddings_sweep()  # the first one's task is on its way

    assert llm_queue() == 1


def test_embed_items_says_its_progress_in_lines(taste_world, clean_cache):
    CategoryFactory(name="Western", slug="western")
    out, err = StringIO(), StringIO()

    call_command("embed_items", "--here", stdout=out, stderr=err)

    assert out.getvalue().strip() == "Embedded 6 items (0 unchanged)"
    assert "6 items to embed (6 marked in all), 0 unchanged" in err.getvalue()
    assert re.search(r"embedding items: 6 items in [\d.]+ s \([\d,]+ items/s\)", err.getvalue())

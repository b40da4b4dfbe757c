"""A serving process's vector index over the database (real encoder, PostgreSQL and Redis): with a stored
graph it keeps no float32 rows, reading the graph's float16 copies; once its catalogue falls below
RECSITE_ANN_MIN_ITEMS it reads the float32 rows again and searches exactly."""

from collections import Counter

import numpy as np
import pytest

from catalog.services import item_update
from recommendations import vector_index as vectors
from recommendations.models import ItemEmbedding
from recommendations.services.embeddings import (
    item_embeddings_embed_marked,
    item_embeddings_refresh,
    vector_index_build,
)
from recommendations.serving import encoder

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(taste_world, clean_cache, monkeypatch, settings):
    """Six films embedded and a graph stored over them (RECSITE_ANN_MIN_ITEMS lowered to 3); this process
    as one that has read no vectors yet."""
    settings.RECSITE_ANN_MIN_ITEMS = 3
    item_embeddings_refresh()
    vector_index_build(model_name=encoder().name)
    monkeypatch.setattr(vectors, "_loaded", None)
    monkeypatch.setattr(vectors, "LOADS", Counter())
    return taste_world["films"]


def stored(item_ids) -> np.ndarray:
    """The float32 vectors the database holds for these items."""
    vector_of = dict(ItemEmbedding.objects.filter(model_name=encoder().name).values_list("item_id", "vector"))
    return np.array([np.frombuffer(vector_of[pk], dtype=np.float32) for pk in item_ids])


def test_a_process_with_a_graph_keeps_no_float32_rows_and_an_edit_reaches_the_graph(films):
    index = vectors.vector_index()
    assert index.graph is not None
    assert index.vectors is None
    assert np.allclose(index.vectors_of(np.arange(len(index))), stored(index.item_ids), atol=1e-3)

    item_update(item=films["Heat"], keywords="heist, bank robbery, los angeles")
    item_embeddings_embed_marked()
    index = vectors.vector_index()

    assert index.vectors is None
    assert np.allclose(index.vectors_of(index.rows_of([films["Heat"].pk])), stored([films["Heat"].pk]), atol=1e-3)
    assert vectors.LOADS["full"] == 1


def test_a_process_whose_catalogue_falls_below_the_threshold_reads_the_float32_rows_again(films, settings):
    assert vectors.vector_index().graph is not None
    settings.RECSITE_ANN_MIN_ITEMS = 6

    films["Ran"].delete()
    index = vectors.vector_index()

    assert index.graph is None
    assert films["Ran"].pk not in index.item_ids
    assert np.array_equal(index.vectors, stored(index.item_ids))
    assert vectors.LOADS["full"] == 2

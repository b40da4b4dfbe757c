"""A second encoder backend plugs in through the registry and RECSITE_ENCODER_BACKEND alone: items are
embedded under its name and requests in words are understood with it, with no change to a caller."""

import zlib

import numpy as np
import pytest

from recommendations import serving
from recommendations.models import ItemEmbedding
from recommendations.selectors import recommendations_for_user
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train

pytestmark = pytest.mark.django_db


class HashedWords:
    """Each word hashed into one of 64 buckets: the vector of a bag of words."""

    name = "hashed-words"
    dimensions = 64

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                vectors[row, zlib.crc32(word.encode()) % self.dimensions] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)


def test_items_are_embedded_and_requests_understood_by_the_configured_backend(
    taste_world, clean_cache, settings, monkeypatch
):
    monkeypatch.setitem(serving.ENCODERS, "hashed", HashedWords)
    settings.RECSITE_ENCODER_BACKEND = "hashed"
    model_train()

    embedded, _ = item_embeddings_refresh()

    assert embedded == 6
    assert set(ItemEmbedding.objects.values_list("model_name", flat=True)) == {"hashed-words"}
    result = recommendations_for_user(user=taste_world["newcomer"], n=5, intent="sci-fi, nothing dramatic")
    assert result.intent.describe() == "Sci-Fi · not Drama"
    assert {r.item.title for r in result[:2]} == {"Aliens", "Predator"}  # the newcomer rated Alien
    assert result.relaxed  # the rest are not Sci-Fi, said

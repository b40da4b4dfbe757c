"""Requests in words on the site are limited per user or address, as the API's are."""

import pytest
from django.urls import reverse

from recommendations.services.training import model_train

pytestmark = pytest.mark.django_db


def test_requests_in_words_beyond_the_rate_answer_429(client, taste_world, clean_cache, settings):
    settings.RECSITE_SITE_INTENT_RATE = "3/m"
    model_train()

    answers = [client.get(reverse("home"), {"q": f"sci-fi number {n}", "mode": "new"}) for n in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[-1]["Retry-After"] == "60"
    assert b"Too many requests in words" in answers[-1].content
    assert client.get(reverse("home")).status_code == 200  # the plain page costs no encoder: not limited
    assert client.get(reverse("catalog:item-list")).status_code == 200


def test_an_encoded_request_is_shared_across_processes(taste_world, clean_cache, monkeypatch):
    from recommendations import serving

    model = serving.encoder()
    calls = []
    original = model.encode
    monkeypatch.setattr(model, "encode", lambda texts, **kwargs: calls.append(list(texts)) or original(texts, **kwargs))

    serving.shared_encode(["a text no one asked for before"])
    serving.shared_encode(["a text no one asked for before"])  # another process: the shared cache has it

    assert calls == [["a text no one asked for before"]]

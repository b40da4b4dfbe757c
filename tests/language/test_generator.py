"""The reason generator's loading and decoding, on a tiny random model built here."""

import pytest

from language.generator import GeneratorError, TransformersGenerator


def test_generates_one_line_per_prompt_in_a_batch(tiny_model):
    model = TransformersGenerator(tiny_model, device="cpu")

    out = model.generate(["Movie : Galaxy Quest Reason :", "Movie : a film Year : 1999 Genres : comedy Reason :"])

    assert len(out) == 2
    assert all(isinstance(text, str) and "\n" not in text for text in out)
    assert model.generate([]) == []


def test_greedy_decoding_is_deterministic(tiny_model):
    model = TransformersGenerator(tiny_model, device="cpu")
    prompt = ["Movie : Galaxy Quest Genres : comedy sci-fi Reason :"]
    assert model.generate(prompt, max_new_tokens=8) == model.generate(prompt, max_new_tokens=8)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(GeneratorError, match="does not exist"):
        TransformersGenerator(tmp_path / "nothing-here")

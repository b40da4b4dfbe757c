"""Tuning the generator: a LoRA adapter trained on the tiny random model in seconds (loss on the target
only, the worked examples run once per batch), loaded back onto the generator, and the measure that
decides a promotion."""

import time

import pytest
import torch

from language import tuning
from language.domain import domain_load
from language.generator import GeneratorError, TransformersGenerator
from language.guard import ReasonGuard
from language.prompts import ReasonFacts, completion_prompt
from language.tuning import Example, LoraSettings, Measure, better, lora_train, measure

MOVIES = domain_load("movies")
TARGET = "romance western Zorro"


def examples(n: int) -> list[Example]:
    return [
        Example(completion_prompt(ReasonFacts(f"Film {i}", 1990 + i, ("Comedy",)), domain=MOVIES), TARGET, 1.0 + i % 2)
        for i in range(n)
    ]


def test_a_tiny_adapter_trains_in_seconds_lowers_the_loss_and_loads_back(tiny_model, tmp_path):
    model = TransformersGenerator(tiny_model, device="cpu")
    started = time.perf_counter()

    trained, report = lora_train(
        model.model, model.tokenizer, examples(8), out=tmp_path / "adapter",
        lora=LoraSettings(rank=4, alpha=8, epochs=6, batch_size=4, learning_rate=1e-2),
    )  # fmt: skip

    assert time.perf_counter() - started < 30
    assert (report.examples, report.steps) == (8, 12)
    assert report.last_loss < report.first_loss
    assert (tmp_path / "adapter" / "adapter_config.json").is_file()
    tuned = TransformersGenerator(tiny_model, device="cpu", adapter=tmp_path / "adapter")
    prompt = [examples(1)[0].prompt]
    assert (
        tuned.generate(prompt, max_new_tokens=3)
        == model.generate(prompt, max_new_tokens=3)
        == [trained_line(trained, model, prompt)]
    )


def trained_line(trained, model, prompt: list[str]) -> str:
    """What the trained peft model writes (the merged adapter must write the same)."""
    model.model = trained
    return model.generate(prompt, max_new_tokens=3)[0]


def test_the_worked_examples_run_once_per_batch_with_the_same_loss(tiny_model, monkeypatch):
    model = TransformersGenerator(tiny_model, device="cpu")
    batch = examples(3)
    assert tuning._shared_prefix([example.prompt for example in batch])  # they share the worked examples

    with torch.no_grad():
        shared = tuning._batch_loss(model.model, model.tokenizer, batch, device="cpu").item()
        monkeypatch.setattr(tuning, "BLOCK_BREAK", "\x00")  # no common prefix found: whole prompts
        whole = tuning._batch_loss(model.model, model.tokenizer, batch, device="cpu").item()

    assert shared == pytest.approx(whole, rel=1e-4)


def test_an_adapter_folder_without_an_adapter_is_a_clear_error(tiny_model, tmp_path):
    with pytest.raises(GeneratorError, match="holds no adapter"):
        TransformersGenerator(tiny_model, device="cpu", adapter=tmp_path)


class FirstLines:
    """Writes `lines[title]` for a prompt left open (the plain prompt) and a grounded line after an opening."""

    def __init__(self, lines: dict[str, str]):
        self.lines = lines

    def generate(self, prompts: list[str], *, max_new_tokens: int = 48, vocabularies=None) -> list[str]:
        out = []
        for prompt in prompts:
            title = prompt.rsplit("Movie: ", 1)[1].split("\n", 1)[0]
            out.append(self.lines[title] if prompt.endswith("Reason:") else "with a fun story")
        return out


def test_the_measure_counts_first_plain_candidates_the_guard_accepts_and_audits_them():
    facts = [ReasonFacts(f"Film {i}", 1990 + i, ("Comedy",), evidence_titles=("Heat",)) for i in range(4)]
    lines = {
        "Film 0": "Film 0 is a fun comedy for fans of Heat.",  # accepted, informative
        "Film 1": "A fun comedy to enjoy.",  # accepted, links one kind of fact
        "Film 2": "A 2013 Disney comedy.",  # refused: another year, a name
        "Film 3": "A fun horror film.",  # refused: a genre it lacks
    }
    guard = ReasonGuard(["Comedy", "Horror"], titles=["Heat"], domain=MOVIES)

    result = measure(FirstLines(lines).generate, facts, guard=guard, titles=["Heat"], batch_size=3)

    assert (result.fact_sets, result.acceptance, result.informative, result.unsupported) == (4, 0.5, 0.5, 0)
    assert result.pipeline_acceptance is not None
    assert result.pipeline_unsupported == 0
    assert [accepted for _, accepted in result.examples] == [True, True, False, False]
    assert "examples" not in result.as_dict()


def test_promotion_needs_more_first_attempts_accepted_and_no_unsupported_claim():
    def figures(acceptance: float, unsupported: int = 0, pipeline_unsupported: int | None = 0) -> Measure:
        return Measure(100, acceptance, 0.5, unsupported, 1.0, pipeline_unsupported=pipeline_unsupported)

    assert better(figures(0.7), figures(0.5))
    assert not better(figures(0.5), figures(0.5))
    assert not better(figures(0.7, unsupported=1), figures(0.5))
    assert not better(figures(0.7, pipeline_unsupported=2), figures(0.5))
    assert better(figures(0.7, pipeline_unsupported=None), figures(0.5))

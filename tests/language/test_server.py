"""The server backend against a real `transformers serve` (OpenAI-compatible) process on the CPU, serving a
tiny model with a byte-level BPE tokenizer (the server's stop strings need one); and what it does when the
server is not there."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from language.generator import GeneratorError
from language.server import GeneratorUnavailable, OpenAICompatibleGenerator
from tests.processes import stop


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def tiny_bpe_model(tmp_path_factory):
    """A two-layer Llama with fixed random weights and a small byte-level BPE tokenizer."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bpe")
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    backend.train_from_iterator(["Movie: Heat\nReason: a tense crime film. Genres: Action, Crime"], trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<eos>")
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=2048, eos_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def served_model(tiny_bpe_model):
    """`transformers serve` on a free port, preloading the tiny model; stopped after the module."""
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "transformers"), "serve", str(tiny_bpe_model),
         "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
        env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1):  # nosec B310 (loopback)
                    break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"transformers serve exited: {server.stdout.read()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("transformers serve did not come up in 120 s")
        yield url, str(tiny_bpe_model)
    finally:
        stop(server)


@pytest.mark.slow
def test_a_real_openai_compatible_server_continues_each_prompt_with_one_line(served_model):
    url, model = served_model
    generator = OpenAICompatibleGenerator(url, model, name=f"openai/{model}")

    lines = generator.generate(["Movie: Heat\nReason:", "Movie: Ran\nReason:", "Movie: Alien\nReason:"])

    assert len(lines) == 3
    assert all(isinstance(line, str) and "\n" not in line for line in lines)
    assert lines[0] == generator.generate(["Movie: Heat\nReason:"])[0]  # greedy: the same answer again


def test_a_server_that_is_not_there_is_unavailable_after_the_retries():
    generator = OpenAICompatibleGenerator(f"http://127.0.0.1:{free_port()}", "m", name="openai/m", retries=1)

    with pytest.raises(GeneratorUnavailable, match="did not answer"):
        generator.generate(["Movie: Heat\nReason:"])


def test_the_server_backend_needs_its_url_and_model():
    with pytest.raises(GeneratorError, match="RECSITE_GENERATOR_URL and RECSITE_GENERATOR_MODEL"):
        OpenAICompatibleGenerator("", "", name="openai/")

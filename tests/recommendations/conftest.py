import pytest
import redis
import torch
from django.conf import settings
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A two-layer Llama with fixed random weights and a word-level tokenizer, saved like any model folder.

    Its only words are ones the reason guard refuses for the test films (a year none of them has, genres
    they lack, an unknown name), so whatever it writes is rejected and the template is served.
    """
    folder = tmp_path_factory.mktemp("tiny-llama")
    backend = Tokenizer(models.WordLevel(unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    words = "1850 romance western Zorro 1850 romance western Zorro"
    backend.train_from_iterator([words], trainers.WordLevelTrainer(special_tokens=["<unk>", "<eos>"]))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>", eos_token="<eos>")
    config = LlamaConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
        eos_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _broker_queue(name: str):
    """The real broker's queue `name`, emptied around the test; yields a function giving its length."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(name)
    yield lambda: client.llen(name)
    client.delete(name)


@pytest.fixture
def llm_queue():
    yield from _broker_queue("llm")


@pytest.fixture
def default_queue():
    yield from _broker_queue("default")

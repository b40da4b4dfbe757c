import os
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import torch
from django.conf import settings
from django.core.cache import cache
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from explanations import generation
from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("RECSITE_DATASETS", REPO.parent / "shared" / "datasets"))


@pytest.fixture
def ml_latest_small() -> Path:
    """The real MovieLens latest-small, read from shared/ (never copied into the project)."""
    path = DATASETS / "ml-latest-small"
    if not (path / "ratings.csv").is_file():
        pytest.fail(f"{path} is missing: tests read MovieLens from ../shared/datasets (or RECSITE_DATASETS)")
    return path


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings, tmp_path_factory):
    """Production serves hashed static files from a manifest that only `collectstatic` writes."""
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_ratings_held():
    """A test's rolled-back ratings leave the change log with them (and its refreshes' columns leave the
    version): each test starts with none in memory."""
    from recommendations.rating_memory import ratings_forget
    from recommendations.services.refresh_change import columns_forget

    ratings_forget()
    columns_forget()


@pytest.fixture
def clean_cache():
    """The real cache (Redis in CI), emptied around the test."""
    cache.clear()
    yield cache
    cache.clear()


@pytest.fixture
def taste_world(db):
    """Six films in two clusters that users rate together, plus a new user who liked one of each.

    Sci-fi fans rate Alien, Aliens and Predator; drama fans rate Heat, Ran and Brazil.
    """
    scifi, drama = CategoryFactory(name="Sci-Fi", slug="sci-fi"), CategoryFactory(name="Drama", slug="drama")
    films = {
        title: ItemFactory(title=title, categories=[scifi if title in ("Alien", "Aliens", "Predator") else drama])
        for title in ("Alien", "Aliens", "Predator", "Heat", "Ran", "Brazil")
    }
    for n in range(4):
        fan = UserFactory(username=f"scifi-fan-{n}")
        for title in ("Alien", "Aliens", "Predator"):
            RatingFactory(user=fan, item=films[title], value=Decimal("4.5"))
    for n in range(3):
        fan = UserFactory(username=f"drama-fan-{n}")
        for title in ("Heat", "Ran", "Brazil"):
            RatingFactory(user=fan, item=films[title], value=Decimal("4.0"))
    newcomer = UserFactory(username="newcomer")
    RatingFactory(user=newcomer, item=films["Alien"], value=Decimal("5.0"))
    return {"films": films, "newcomer": newcomer, "scifi": scifi, "drama": drama}


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


@pytest.fixture
def tiny_generator(settings, tiny_model, monkeypatch):
    """Reasons written by the tiny model (whose text the guard refuses, so the template is served)."""
    settings.RECSITE_GENERATOR_PATH = str(tiny_model)
    monkeypatch.setattr(generation, "_generator", None)
    yield
    generation._generator = None


def _broker_queue(name: str):
    """The real broker's queue `name`, emptied around the test; yields a function giving its length."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    # With priorities (queue_order_strategy "priority") a queue is a list per priority step.
    names = [name] + [f"{name}\x06\x16{step}" for step in (3, 6, 9)]
    client.delete(*names)
    yield lambda: sum(client.llen(each) for each in names)
    client.delete(*names)


@pytest.fixture
def llm_queue():
    yield from _broker_queue("llm")


@pytest.fixture
def default_queue():
    yield from _broker_queue("default")

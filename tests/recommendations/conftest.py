import pytest
import redis
from django.conf import settings


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

"""With Redis unreachable, the cache answers misses and the site carries on: pages, the API, ratings."""

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from feedback.models import Rating
from recommendations.models import DirtyItem
from recommendations.services.training import model_train
from tests.api import jwt_client

pytestmark = pytest.mark.django_db
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {"BACKEND": "common.cache.TolerantRedisCache", "LOCATION": DEAD_REDIS}}
    return


def test_every_cache_call_is_a_miss_and_ping_says_down(redis_down):
    assert cache.get("key", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("key", 1) is False
    assert cache.set("key", 1) is None
    assert cache.set_many({"a": 1}) == ["a"]
    with pytest.raises(RedisConnectionError):
        cache.ping()


def test_the_site_and_the_api_answer_and_ratings_are_stored(taste_world, client, redis_down, settings):
    model_train()
    user, heat = taste_world["newcomer"], taste_world["films"]["Heat"]
    api = jwt_client(user)
    client.force_login(user)

    assert client.get("/").status_code == 200
    assert api.get("/api/v1/recommendations/").status_code == 200
    assert api.put(f"/api/v1/ratings/{heat.pk}/", {"value": "4.5"}).status_code == 201
    assert Rating.objects.filter(user=user, item=heat).exists()
    assert DirtyItem.objects.filter(item=heat).exists()  # the sweep refreshes it once Redis is back
    settings.RECSITE_HEALTH_TOKEN = "health-token"  # the full report: staff or the token
    health = APIClient(headers={"X-Health-Token": "health-token"}).get("/health/detail/").json()
    assert (health["status"], health["cache"], health["database"]) == ("degraded", "down", "ok")

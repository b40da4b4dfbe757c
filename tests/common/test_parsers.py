"""The API's JSON parser: a deeply nested body is a 400 with a message, on every JSON endpoint, never a 500."""

import pytest
from rest_framework.test import APIClient

from common.parsers import MAX_DEPTH, json_depth_exceeds
from tests.api import jwt_client
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db

TOO_DEEP = f"The JSON body is nested too deeply: at most {MAX_DEPTH} levels of objects and arrays."


def nested(field: str, depth: int) -> str:
    """`{"field": [[[...]]]}` with `depth` arrays: 1,000 levels fit in 2 KB."""
    return '{"%s": %s%s}' % (field, "[" * depth, "]" * depth)  # noqa: UP031


@pytest.mark.parametrize("depth", [1_000, 100_000, MAX_DEPTH + 1])
@pytest.mark.parametrize(
    ("method", "path", "field", "signed_in"),
    [
        ("POST", "/api/v1/auth/register/", "username", False),
        ("POST", "/api/v1/auth/token/", "username", False),
        ("POST", "/api/v1/auth/token/refresh/", "refresh", False),
        ("POST", "/api/v1/auth/token/revoke/", "refresh", False),
        ("PUT", "/api/v1/ratings/{item}/", "value", True),
        ("POST", "/api/v1/feedback/", "item", True),
    ],
)
def test_a_deeply_nested_body_is_a_400_naming_the_limit(clean_cache, method, path, field, signed_in, depth):
    item = ItemFactory()
    client = jwt_client(UserFactory()) if signed_in else APIClient()
    body = nested(field, depth)
    if depth == 1_000:
        assert len(body) < 2_100  # the attack: a small body

    response = client.generic(method, path.format(item=item.pk), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": [TOO_DEEP]}


def test_bodies_within_the_limit_still_reach_the_serializer(clean_cache):
    response = APIClient().post(
        "/api/v1/auth/register/", nested("username", MAX_DEPTH - 1), content_type="application/json"
    )

    assert response.status_code == 400
    assert "username" in response.json()  # the field's own message, not the parser's


def test_depth_counts_objects_and_arrays_without_recursing():
    assert not json_depth_exceeds({"value": 4.5}, 1)
    assert json_depth_exceeds({"categories": [1]}, 1)
    assert not json_depth_exceeds({"categories": [1]}, 2)
    assert not json_depth_exceeds("just a string", 0)
    deep: list = []
    for _ in range(50_000):  # far past Python's recursion limit
        deep = [deep]
    assert json_depth_exceeds(deep, MAX_DEPTH)

"""What client generators read: JSON 404s for any path under /api/, Retry-After declared where it is
sent, the field-error body as it is, and nullable fields a strict OpenAPI 3.0 reader sees as nullable."""

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.api import jwt_client
from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("path", ["/api/v1/items/0.5/", "/api/v1/nope/", "/api/v1/ratings/abc/"])
def test_paths_no_endpoint_has_are_json_404s(path, clean_cache):
    answer = jwt_client(UserFactory()).get(path)
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert "detail" in answer.json()


def test_retry_after_is_declared_where_it_is_sent(schema):
    reason = schema["paths"]["/api/v1/explanations/"]["get"]["responses"]
    for code in ("202", "429", "503"):
        assert "Retry-After" in reason[code]["headers"]
    assert "Retry-After" in schema["paths"]["/api/v1/items/"]["get"]["responses"]["429"]["headers"]


def test_real_400_bodies_match_the_declared_error_schema(schema, clean_cache):
    declared = schema["components"]["schemas"]["FieldErrors"]
    client = jwt_client(UserFactory())
    item = ItemFactory()
    bodies = [
        client.put(f"/api/v1/ratings/{item.pk}/", {"value": 4.3}, format="json").json(),  # a field's messages
        APIClient().get("/api/v1/recommendations/", {"category": "nope"}).json(),  # a list field's, by position
        client.post("/api/v1/ratings/", data="{", content_type="application/json").json(),  # a parse error
        APIClient().post("/api/v1/auth/token/revoke/", {"refresh": "not a token"}, format="json").json(),
    ]
    for body in bodies:
        jsonschema.validate(body, declared)


def test_null_answers_are_declared_nullable_with_a_type(schema):
    intent = schema["components"]["schemas"]["Recommendations"]["properties"]["intent"]
    assert intent["nullable"] is True
    assert intent["type"] == "object"


def test_fields_every_answer_has_are_required(schema):
    item = schema["components"]["schemas"]["Item"]
    assert {"year", "description", "keywords", "is_active", "is_featured"} <= set(item["required"])
    health = schema["components"]["schemas"]["Health"]
    assert "replica" not in health["required"]  # written only with a replica configured

"""What client generators read: JSON 404s for any path under /api/, JSON 405s with `Allow`, Retry-After
declared where it is sent, the field-error body as it is, and nullable fields a strict OpenAPI 3.0 reader
sees as nullable."""

import uuid
from urllib.parse import urlencode

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from recsite import gunicorn_conf
from tests.api import jwt_client
from tests.factories import CategoryFactory, ItemFactory, UserFactory

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


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", "/api/v1/ratings/", "GET, HEAD, OPTIONS"),  # the one apps met undocumented
        ("delete", "/api/v1/me/", "GET, HEAD, OPTIONS"),
        ("put", "/api/v1/auth/token/", "POST, OPTIONS"),
        ("post", "/api/schema/", "GET, HEAD, OPTIONS"),  # a YAML view: its errors are JSON all the same
        ("patch", "/api/docs/", "GET, HEAD, OPTIONS"),  # an HTML page: likewise
    ],
)
def test_methods_a_path_does_not_take_are_json_405s_with_allow(method, path, allow, schema, clean_cache):
    answer = getattr(jwt_client(UserFactory()), method)(path)

    assert answer.status_code == 405
    assert answer["Content-Type"] == "application/json"
    assert answer["Allow"] == allow
    declared = schema["components"]["responses"]["MethodNotAllowed"]
    assert declared["headers"]["Allow"]["required"] is True
    jsonschema.validate(answer.json(), declared["content"]["application/json"]["schema"])


@pytest.mark.parametrize("path", ["/api/", "/api/v2/items/", "/api/v1", "/api/nope"])
def test_paths_under_api_outside_v1_are_json_404s_with_no_allow(path):
    answer = APIClient().post(path, {"value": 4.5}, format="json")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert "Allow" not in answer  # nothing there takes any method
    assert answer.json() == {"detail": "Not found."}


def test_a_path_missing_its_slash_redirects_reads_and_answers_writes_in_json(settings, clean_cache):
    settings.DEBUG = True  # where Django's APPEND_SLASH answered a write with a 500 page
    client = jwt_client(UserFactory())

    read = client.get("/api/v1/ratings?page=2")
    write = client.delete("/api/v1/ratings")

    assert (read.status_code, read["Location"]) == (301, "/api/v1/ratings/?page=2")
    assert (write.status_code, write["Content-Type"]) == (404, "application/json")
    assert "/api/v1/ratings/" in write.json()["detail"]


def test_the_schema_and_docs_ignore_stale_tokens_and_answer_options_in_json():
    stale = APIClient(headers={"Authorization": "Bearer expired-long-ago"})

    assert stale.get("/api/schema/").status_code == 200  # the same schema for everyone: no 401
    options = stale.options("/api/docs/")  # was a 500: the HTML renderer has no page for it
    assert (options.status_code, options["Content-Type"]) == (200, "application/json")


def test_a_client_past_its_api_limit_still_reads_the_schema(clean_cache, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "1/minute")
    client = APIClient()

    assert [client.get("/api/v1/items/").status_code for _ in range(2)] == [200, 429]
    assert client.get("/api/schema/").status_code == 200  # the schema is counted apart


def test_a_414_is_declared_wherever_the_request_line_carries_parameters(schema):
    paths = schema["paths"]

    assert "414" in paths["/api/v1/recommendations/"]["get"]["responses"]
    assert "414" in paths["/api/v1/items/{id}/"]["delete"]["responses"]
    assert "414" not in paths["/api/v1/auth/token/"]["post"]["responses"]  # nothing in its URL can grow


def test_the_longest_request_in_words_fits_the_servers_request_line(schema):
    """gunicorn's default (4094 bytes) answered 414 to a request the schema allows: 500 characters outside
    ASCII are 6,000 bytes once percent-encoded."""
    parameters = schema["paths"]["/api/v1/recommendations/"]["get"]["parameters"]
    longest = next(each for each in parameters if each["name"] == "intent")["schema"]["maxLength"]
    query = urlencode({"intent": "\U0001f37f" * longest, "conversation": uuid.uuid4(), "n": 100})

    assert len(f"GET /api/v1/recommendations/?{query} HTTP/1.1".encode()) <= gunicorn_conf.limit_request_line


def test_values_the_schema_refuses_are_refused(clean_cache):
    staff = jwt_client(UserFactory(is_staff=True))
    item = ItemFactory(categories=[CategoryFactory()])

    assert APIClient().get("/api/v1/items/", {"year_min": "1990.5"}).json() == {"year_min": ["Enter a whole number."]}
    assert APIClient().get("/api/v1/items/", {"year_max": ""}).json() == {"year_max": ["Enter a whole number."]}
    assert APIClient().get("/api/v1/items/", {"year_max": "1990.0"}).status_code == 400
    assert APIClient().get("/api/v1/items/", {"year_max": "-1"}).status_code == 200  # a number, if not a year
    assert APIClient().get("/api/v1/items/", {"page": ""}).status_code == 404  # as any page that is no number
    assert staff.patch(f"/api/v1/items/{item.pk}/", {"is_featured": 1}, format="json").status_code == 400
    assert staff.patch(f"/api/v1/items/{item.pk}/", {"categories": {}}, format="json").status_code == 400
    assert staff.patch(f"/api/v1/items/{item.pk}/", {"keywords": 5}, format="json").status_code == 400
    item.refresh_from_db()
    assert (item.is_featured, item.categories.count(), item.keywords) == (False, 1, "")  # nothing was written

"""/api/v1/recommendations/ and /api/v1/explanations/."""

import pytest
from rest_framework.test import APIClient

from explanations.models import Explanation
from explanations.services import explanations_generate
from recommendations.services.training import model_train
from tests.api import jwt_client

pytestmark = pytest.mark.django_db


def test_a_signed_in_user_gets_items_with_evidence_and_reason_links(taste_world, clean_cache):
    model_train()
    client = jwt_client(taste_world["newcomer"])

    body = client.get("/api/v1/recommendations/?n=2").json()

    assert body["intent"] is None
    assert [row["item"]["title"] for row in body["items"]] == ["Aliens", "Predator"]
    assert body["items"][0]["source"] == "knn"
    assert body["items"][0]["evidence"][0]["title"] == "Alien"
    assert body["items"][0]["explanation"]["status"] == "pending"
    assert body["items"][0]["explanation"]["url"].startswith("http://testserver/api/v1/explanations/?item=")


def test_anonymous_users_get_the_popular_items_and_bad_queries_a_400(taste_world, clean_cache):
    model_train()
    client = APIClient()

    assert {row["source"] for row in client.get("/api/v1/recommendations/").json()["items"]} == {"popular"}
    assert client.get("/api/v1/recommendations/?n=0").status_code == 400
    assert client.get("/api/v1/recommendations/?n=many").status_code == 400
    assert "category" in client.get("/api/v1/recommendations/?category=nope").json()
    assert "intent" in client.get(f"/api/v1/recommendations/?intent={'x' * 501}").json()
    assert "intent" in client.get("/api/v1/recommendations/?intent=").json()


def test_a_request_in_words_comes_back_parsed(taste_world, clean_cache):
    from recommendations.services.embeddings import item_embeddings_refresh

    model_train()
    item_embeddings_refresh()
    body = jwt_client(taste_world["newcomer"]).get("/api/v1/recommendations/", {"intent": "a drama"}).json()

    assert body["intent"]["categories"] == ["drama"]
    assert body["intent"]["summary"] == "Drama"
    assert {row["item"]["title"] for row in body["items"][:3]} == {"Heat", "Ran", "Brazil"}
    assert body["intent"]["relaxed"] == ["too few movies are Drama: then other movies"]
    assert body["intent"]["unmatched"] == []
    assert body["intent"]["anchors"] == []
    assert body["intent"]["conversation"]


def test_a_reason_is_202_with_retry_after_then_200_with_text(taste_world, clean_cache, tiny_generator, llm_queue):
    model_train()
    client = jwt_client(taste_world["newcomer"])
    aliens = taste_world["films"]["Aliens"]
    link = client.get("/api/v1/recommendations/?n=1").json()["items"][0]["explanation"]["url"]

    pending = client.get(link)
    again = client.get(link)
    explanations_generate(explanation_ids=list(aliens.explanations.values_list("pk", flat=True)))
    ready = client.get(link)

    assert (pending.status_code, again.status_code) == (202, 202)
    assert pending["Retry-After"] == "2"
    assert aliens.explanations.count() == 1  # asked twice, one reason (and one task)
    assert ready.status_code == 200
    text = "Because you liked Alien: a 1995 Sci-Fi film."
    explanation = aliens.explanations.get()
    assert ready.json() == {
        "status": "ready", "explanation": explanation.pk, "item": aliens.pk, "text": text, "source": "template",
    }  # fmt: skip
    recommended = client.get("/api/v1/recommendations/?n=1").json()["items"][0]
    assert recommended["explanation"]["status"] == "ready"  # the list's key matches the reason's key


def test_a_reason_for_an_unknown_item_is_a_400(clean_cache):
    assert "item" in APIClient().get("/api/v1/explanations/?item=999999").json()
    assert "item" in APIClient().get("/api/v1/explanations/").json()


def test_a_reason_claims_only_what_the_item_meets_of_the_request(taste_world, clean_cache, llm_queue):
    from recommendations.services.embeddings import item_embeddings_refresh

    model_train()
    item_embeddings_refresh()
    client = jwt_client(taste_world["newcomer"])
    items = client.get("/api/v1/recommendations/", {"intent": "a drama"}).json()["items"]
    by_title = {row["item"]["title"]: row["explanation"]["url"] for row in items}

    client.get(by_title["Heat"])  # a drama: its reason may say it fits the request
    client.get(by_title["Aliens"])  # shown after the relaxation: its reason must not

    assert Explanation.objects.get(item=taste_world["films"]["Heat"]).intent == "Drama"
    assert Explanation.objects.get(item=taste_world["films"]["Aliens"]).intent == ""

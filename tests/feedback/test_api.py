"""/api/v1/ratings/ and /api/v1/feedback/: one's own only, clear 400s, nothing written on bad input."""

from decimal import Decimal

import pytest

from feedback.models import FeedbackEvent, Rating
from feedback.services import reasons_shown_record
from recommendations.models import DirtyItem
from tests.api import jwt_client
from tests.factories import ExplanationFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_put_rates_then_changes_get_lists_delete_removes(clean_cache):
    user, item = UserFactory(), ItemFactory()
    client = jwt_client(user)

    created = client.put(f"/api/v1/ratings/{item.pk}/", {"value": "4.5"})
    changed = client.put(f"/api/v1/ratings/{item.pk}/", {"value": "2.0"})
    listed = client.get("/api/v1/ratings/")
    deleted = client.delete(f"/api/v1/ratings/{item.pk}/")

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    assert changed.json()["value"] == 2.0
    assert [row["item"] for row in listed.json()["results"]] == [item.pk]
    assert not Rating.objects.exists()
    assert DirtyItem.objects.filter(item=item).exists()
    assert client.delete(f"/api/v1/ratings/{item.pk}/").status_code == 404


@pytest.mark.parametrize(("sent", "stored"), [(5, "5.0"), (5.0, "5.0"), (1, "1.0"), (0.5, "0.5"), ("4.5", "4.5")])
def test_any_number_on_the_half_star_grid_is_a_rating_answered_as_a_number(clean_cache, sent, stored):
    item = ItemFactory()
    client = jwt_client(UserFactory())

    response = client.put(f"/api/v1/ratings/{item.pk}/", {"value": sent})

    assert response.status_code == 201, response.content
    assert response.json()["value"] == float(stored)
    assert b'"value":' + stored.encode() in response.content  # a JSON number, not a string
    assert Rating.objects.get().value == Decimal(stored)
    assert client.get(f"/api/v1/ratings/{item.pk}/").json()["value"] == float(stored)
    assert client.get("/api/v1/ratings/").json()["results"][0]["value"] == float(stored)
    # a string still works in v1's deprecation window, and the answer says until when
    assert ("Deprecation" in response, "Sunset" in response) == (isinstance(sent, str),) * 2


@pytest.mark.parametrize(
    "value", ["4.3", "6", "0", "", None, "high", 4.3, 6, 0, -1, True, "NaN", "sNaN", [5], {"a": 5}]
)
def test_a_bad_value_is_a_400_on_value_and_nothing_is_written(clean_cache, value):
    item = ItemFactory()
    response = jwt_client(UserFactory()).put(f"/api/v1/ratings/{item.pk}/", {"value": value})
    assert response.status_code == 400
    assert "value" in response.json()
    assert not Rating.objects.exists()


def test_an_off_grid_number_is_refused_with_the_grid_named(clean_cache):
    response = jwt_client(UserFactory()).put(f"/api/v1/ratings/{ItemFactory().pk}/", {"value": 4.3})

    assert response.status_code == 400
    assert response.json() == {"value": ["4.3 is not a rating: use 0.5 to 5.0 in steps of 0.5."]}


def test_unknown_or_inactive_items_cannot_be_rated(clean_cache):
    client = jwt_client(UserFactory())
    assert client.put("/api/v1/ratings/999999/", {"value": "4"}).status_code == 404
    assert client.put(f"/api/v1/ratings/{ItemFactory(is_active=False).pk}/", {"value": "4"}).status_code == 404
    for odd in ("-299", "abc", "99999999999999999999"):  # any id is a JSON 404, never Django's HTML page
        for answer in (client.put(f"/api/v1/ratings/{odd}/", {"value": 4}), client.delete(f"/api/v1/ratings/{odd}/")):
            assert (answer.status_code, answer["Content-Type"]) == (404, "application/json"), odd
    assert not Rating.objects.exists()


def test_someone_elses_rating_does_not_exist_for_you(clean_cache):
    theirs = RatingFactory(value=Decimal("5.0"))
    client = jwt_client(UserFactory())

    assert client.get(f"/api/v1/ratings/{theirs.item_id}/").status_code == 404
    assert client.delete(f"/api/v1/ratings/{theirs.item_id}/").status_code == 404
    assert client.get("/api/v1/ratings/").json()["results"] == []
    assert Rating.objects.get() == theirs


def test_feedback_is_recorded_and_bad_events_refused(clean_cache):
    item, user = ItemFactory(), UserFactory()
    client = jwt_client(user)
    explanation = ExplanationFactory(item=item)
    reasons_shown_record(user=user, explanation_ids=[explanation.pk])  # the reason was shown to this user

    liked = client.post("/api/v1/feedback/", {"item": item.pk, "kind": "like"})
    helpful = client.post(
        "/api/v1/feedback/", {"item": item.pk, "kind": "reason_helpful", "explanation": explanation.pk}
    )
    no_reason = client.post("/api/v1/feedback/", {"item": item.pk, "kind": "reason_unhelpful"})
    wrong_kind = client.post("/api/v1/feedback/", {"item": item.pk, "kind": "love"})
    other_item = client.post(
        "/api/v1/feedback/", {"item": ItemFactory().pk, "kind": "reason_helpful", "explanation": explanation.pk}
    )

    assert (liked.status_code, helpful.status_code) == (201, 201)
    assert no_reason.status_code == 400
    assert "explanation" in no_reason.json()
    assert "kind" in wrong_kind.json()
    assert "explanation" in other_item.json()
    assert FeedbackEvent.objects.count() == 2

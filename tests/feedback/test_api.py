"""/api/v1/ratings/ and /api/v1/feedback/: one's own only, clear 400s, nothing written on bad input."""

from decimal import Decimal

import pytest

from feedback.models import FeedbackEvent, Rating
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
    assert changed.json()["value"] == "2.0"
    assert [row["item"] for row in listed.json()["results"]] == [item.pk]
    assert not Rating.objects.exists()
    assert DirtyItem.objects.filter(item=item).exists()
    assert client.delete(f"/api/v1/ratings/{item.pk}/").status_code == 404


@pytest.mark.parametrize("value", ["4.3", "6", "0", "", None, "high"])
def test_a_bad_value_is_a_400_on_value_and_nothing_is_written(clean_cache, value):
    item = ItemFactory()
    response = jwt_client(UserFactory()).put(f"/api/v1/ratings/{item.pk}/", {"value": value})
    assert response.status_code == 400
    assert "value" in response.json()
    assert not Rating.objects.exists()


def test_unknown_or_inactive_items_cannot_be_rated(clean_cache):
    client = jwt_client(UserFactory())
    assert client.put("/api/v1/ratings/999999/", {"value": "4"}).status_code == 404
    assert client.put(f"/api/v1/ratings/{ItemFactory(is_active=False).pk}/", {"value": "4"}).status_code == 404
    assert not Rating.objects.exists()


def test_someone_elses_rating_does_not_exist_for_you(clean_cache):
    theirs = RatingFactory(value=Decimal("5.0"))
    client = jwt_client(UserFactory())

    assert client.get(f"/api/v1/ratings/{theirs.item_id}/").status_code == 404
    assert client.delete(f"/api/v1/ratings/{theirs.item_id}/").status_code == 404
    assert client.get("/api/v1/ratings/").json()["results"] == []
    assert Rating.objects.get() == theirs


def test_feedback_is_recorded_and_bad_events_refused(clean_cache):
    item = ItemFactory()
    client = jwt_client(UserFactory())
    explanation = ExplanationFactory(item=item)

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

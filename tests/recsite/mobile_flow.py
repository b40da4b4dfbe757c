"""The mobile flow both generated clients run (tests/recsite/test_client_*.py): what it is given, and what
it must have seen and left in the database. Each client reports what it saw in the same shape."""

from django.contrib.auth import get_user_model
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from feedback.models import FeedbackEvent

FLOW_INPUT = {
    "username": "maya-mobile",
    "password": "a-long-new-password",
    "category": "sci-fi",  # browsed, and two of its items rated
    "intent": "a drama",  # asked in words: understood as the category `drama`
}
BAD_RATING_MESSAGE = "4.3 is not a rating: use 0.5 to 5.0 in steps of 0.5."


def assert_mobile_flow(report: dict, world: dict) -> None:
    films = world["films"]
    alien, aliens = films["Alien"].pk, films["Aliens"].pk
    user = get_user_model().objects.get(username=FLOW_INPUT["username"])

    assert report["user"] == user.pk
    assert report["rated"] == [{"item": alien, "value": 4.5}, {"item": aliens, "value": 5}]
    assert report["bad_rating"] == {"status": 400, "value": [BAD_RATING_MESSAGE]}
    assert report["ratings"] == [{"item": aliens, "value": 4.5}, {"item": alien, "value": 4.5}]  # newest first
    values = [rating["value"] for rating in report["rated"] + report["ratings"]]
    assert all(type(value) in (int, float) for value in values)  # JSON numbers, never "4.5"
    assert {(r.item_id, str(r.value)) for r in user.ratings.all()} == {(alien, "4.5"), (aliens, "4.5")}

    assert report["plain"][0] == {"item": films["Predator"].pk, "source": "knn"}
    assert report["intent"]["categories"] == ["drama"]  # slugs: usable as the `category` filter
    assert report["filtered"]
    assert all("drama" in categories for categories in report["filtered"])
    assert sorted(report["category_items"]) == ["Brazil", "Heat", "Ran"]

    reason = report["reason"]
    assert (reason["statuses"], reason["retry_after"]) == ([202, 200], 2)
    assert reason["text"]
    assert reason["source"] in ("template", "generated")
    assert report["reactions"] == ["like", "not_interested", "reason_helpful"]
    events = FeedbackEvent.objects.filter(user=user).order_by("pk")
    assert [(event.kind, event.explanation_id is not None) for event in events] == [
        ("like", False), ("not_interested", False), ("reason_helpful", True),
    ]  # fmt: skip

    assert report["refresh_after_revoke"] == 401
    assert BlacklistedToken.objects.filter(token__user=user).count() == 2  # rotated away, then revoked

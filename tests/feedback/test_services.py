from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from feedback.models import FeedbackEvent, Rating
from feedback.services import (
    UpsertCounts,
    feedback_record,
    feedback_undo,
    rating_bulk_upsert,
    rating_delete,
    rating_upsert,
    reasons_shown_record,
)
from recommendations.models import DirtyItem
from recommendations.selectors import recommendations_for_user
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import ExplanationFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def upsert(rows):
    users, items, values, stamps = zip(*rows, strict=True)
    return rating_bulk_upsert(
        user_ids=np.array(users), item_ids=np.array(items), values=np.array(values), timestamps=np.array(stamps)
    )


def test_creates_updates_and_leaves_unchanged_rows_alone():
    alice, bob = UserFactory(), UserFactory()
    heat, alien = ItemFactory(), ItemFactory()
    same = RatingFactory(user=alice, item=heat, value=Decimal("4.0"), created=datetime.fromtimestamp(100, UTC))
    changed = RatingFactory(user=bob, item=heat, value=Decimal("1.0"))
    untouched_since = Rating.objects.get(pk=same.pk).updated

    counts = upsert([(alice.pk, heat.pk, 4.0, 100), (bob.pk, heat.pk, 4.5, 200), (bob.pk, alien.pk, 0.5, -1)])

    assert counts == UpsertCounts(created=1, updated=1, unchanged=1)
    assert Rating.objects.get(pk=same.pk).updated == untouched_since
    changed.refresh_from_db()
    assert changed.value == Decimal("4.5")
    assert changed.created == datetime.fromtimestamp(200, UTC)
    assert Rating.objects.get(user=bob, item=alien).value == Decimal("0.5")


def test_unknown_timestamp_keeps_an_existing_ratings_time():
    rating = RatingFactory(value=Decimal("2.0"), created=datetime.fromtimestamp(5, UTC))

    upsert([(rating.user_id, rating.item_id, 3.0, -1)])

    rating.refresh_from_db()
    assert (rating.value, rating.created) == (Decimal("3.0"), datetime.fromtimestamp(5, UTC))


def test_many_users_are_written_in_chunks(monkeypatch):
    monkeypatch.setattr("feedback.services.USERS_PER_CHUNK", 2)
    users = UserFactory.create_batch(5)
    item = ItemFactory()

    counts = upsert([(user.pk, item.pk, 3.5, 1) for user in users])

    assert counts.created == 5
    assert Rating.objects.filter(item=item).count() == 5


@pytest.mark.parametrize(
    ("value", "message"),
    [("4.3", "not a rating"), ("5.5", "not a rating"), ("0", "not a rating"), ("abc", "not a number"), ("", "")],
)
def test_a_bad_rating_value_is_a_field_error_and_writes_nothing(value, message):
    user, item = UserFactory(), ItemFactory()

    with pytest.raises(ValidationError) as raised:
        rating_upsert(user=user, item=item, value=value)

    assert message in " ".join(raised.value.message_dict["value"])
    assert not Rating.objects.exists()
    assert not DirtyItem.objects.exists()


def test_rating_creates_then_changes_and_marks_the_item_for_the_refresh():
    user, item = UserFactory(), ItemFactory()

    rating, created = rating_upsert(user=user, item=item, value="4.5")
    again, created_again = rating_upsert(user=user, item=item, value=3)

    assert created
    assert not created_again
    assert again.pk == rating.pk
    assert Rating.objects.get().value == Decimal("3.0")
    assert list(DirtyItem.objects.values_list("item_id", flat=True)) == [item.pk]


def test_an_unavailable_item_cannot_be_rated():
    item = ItemFactory(is_active=False)
    with pytest.raises(ValidationError) as raised:
        rating_upsert(user=UserFactory(), item=item, value="4")
    assert "item" in raised.value.message_dict
    assert not Rating.objects.exists()


def test_a_user_deletes_only_their_own_rating():
    alice, bob, item = UserFactory(), UserFactory(), ItemFactory()
    RatingFactory(user=bob, item=item)

    assert rating_delete(user=alice, item=item) is False
    assert Rating.objects.filter(user=bob).exists()
    assert not DirtyItem.objects.exists()

    assert rating_delete(user=bob, item=item) is True
    assert not Rating.objects.exists()
    assert DirtyItem.objects.filter(item=item).exists()


def test_not_interested_and_dislike_hide_the_item_at_once(taste_world):
    model_train()
    user, films = taste_world["newcomer"], taste_world["films"]
    shown = [r.item for r in recommendations_for_user(user=user, n=3)]
    assert shown[0] in (films["Aliens"], films["Predator"])

    feedback_record(user=user, item=shown[0], kind="not_interested")
    feedback_record(user=user, item=shown[1], kind="dislike")

    after = [r.item for r in recommendations_for_user(user=user, n=10)]
    assert shown[0] not in after
    assert shown[1] not in after
    item_embeddings_refresh()
    feedback_record(user=user, item=films["Heat"], kind="not_interested")
    asked = {r.item for r in recommendations_for_user(user=user, n=10, intent="a drama")}
    assert asked == {films["Ran"], films["Brazil"]}
    # a click or a like hides nothing
    feedback_record(user=user, item=films["Ran"], kind="click")
    feedback_record(user=user, item=films["Brazil"], kind="like")
    assert {films["Ran"], films["Brazil"]} <= {r.item for r in recommendations_for_user(user=user, n=10)}


def test_feedback_about_a_reason_must_name_a_reason_for_that_item(taste_world):
    films, user = taste_world["films"], taste_world["newcomer"]
    explanation = ExplanationFactory(item=films["Aliens"])

    with pytest.raises(ValidationError, match="Say which reason"):
        feedback_record(user=user, item=films["Aliens"], kind="reason_helpful")
    with pytest.raises(ValidationError, match="you were shown for this item"):
        feedback_record(user=user, item=films["Heat"], kind="reason_helpful", explanation=explanation)
    with pytest.raises(ValidationError, match="is not one of"):
        feedback_record(user=user, item=films["Aliens"], kind="love")
    assert not FeedbackEvent.objects.exists()


def test_an_unhelpful_generated_reason_gives_way_to_the_template_after_enough_users(
    taste_world, clean_cache, settings, django_capture_on_commit_callbacks
):
    settings.RECSITE_REASON_UNHELPFUL_VOTES = 2
    films = taste_world["films"]
    explanation = ExplanationFactory(
        item=films["Aliens"], evidence_item_ids=[films["Alien"].pk], text="Aliens is a fun ride.", source="generated"
    )
    first, second = UserFactory(), UserFactory()
    reasons_shown_record(user=first, explanation_ids=[explanation.pk])
    reasons_shown_record(user=second, explanation_ids=[explanation.pk])

    with django_capture_on_commit_callbacks(execute=True):
        feedback_record(user=first, item=films["Aliens"], kind="reason_unhelpful", explanation=explanation)
        feedback_record(user=first, item=films["Aliens"], kind="reason_unhelpful", explanation=explanation)
    explanation.refresh_from_db()
    assert explanation.source == "generated"  # one user, however many votes, does not rewrite it for all
    assert FeedbackEvent.objects.count() == 1  # one vote per user counts

    with django_capture_on_commit_callbacks(execute=True):
        feedback_record(user=second, item=films["Aliens"], kind="reason_unhelpful", explanation=explanation)
    explanation.refresh_from_db()
    assert explanation.source == "template"
    assert explanation.text == "Because you liked Alien: a 1995 Sci-Fi film."
    assert "replaced after unhelpful feedback" in explanation.verdict


def test_a_reason_not_shown_to_the_user_cannot_be_voted_on(taste_world, clean_cache):
    films = taste_world["films"]
    explanation = ExplanationFactory(item=films["Aliens"], source="generated")

    with pytest.raises(ValidationError, match="you were shown for this item"):
        feedback_record(user=UserFactory(), item=films["Aliens"], kind="reason_unhelpful", explanation=explanation)
    assert not FeedbackEvent.objects.exists()


def test_undoing_not_interested_or_dislike_brings_the_item_back_at_once(taste_world):
    model_train()
    user = taste_world["newcomer"]
    shown = [r.item for r in recommendations_for_user(user=user, n=3)]
    feedback_record(user=user, item=shown[0], kind="not_interested")
    feedback_record(user=user, item=shown[0], kind="not_interested")  # twice: one undo takes back both
    feedback_record(user=user, item=shown[1], kind="dislike")
    assert not {shown[0], shown[1]} & {r.item for r in recommendations_for_user(user=user, n=10)}

    assert feedback_undo(user=user, item=shown[0], kind="not_interested") == 2
    assert feedback_undo(user=user, item=shown[1], kind="dislike") == 1

    assert [r.item for r in recommendations_for_user(user=user, n=3)] == shown  # as before, no refresh needed
    assert not FeedbackEvent.objects.filter(user=user).exists()


def test_undo_takes_back_only_the_users_own_reaction_of_that_kind():
    item = ItemFactory()
    user, other = UserFactory(), UserFactory()
    feedback_record(user=user, item=item, kind="like")
    feedback_record(user=user, item=item, kind="not_interested")
    feedback_record(user=other, item=item, kind="like")

    assert feedback_undo(user=user, item=item, kind="like") == 1
    assert feedback_undo(user=user, item=item, kind="like") == 0  # nothing left to undo

    left = set(FeedbackEvent.objects.values_list("user_id", "kind"))
    assert left == {(user.pk, "not_interested"), (other.pk, "like")}


@pytest.mark.parametrize("kind", ["reason_helpful", "reason_unhelpful", "click", "love", ""])
def test_only_likes_dislikes_and_not_interested_can_be_undone(kind):
    event = FeedbackEvent.objects.create(user=UserFactory(), item=ItemFactory(), kind="click")

    with pytest.raises(ValidationError) as error:
        feedback_undo(user=event.user, item=event.item, kind=kind)

    assert "kind" in error.value.message_dict
    assert FeedbackEvent.objects.filter(pk=event.pk).exists()


def test_like_and_dislike_take_each_other_back():
    user, item = UserFactory(), ItemFactory()

    feedback_record(user=user, item=item, kind="dislike")
    feedback_record(user=user, item=item, kind="not_interested")
    feedback_record(user=user, item=item, kind="like")
    assert set(FeedbackEvent.objects.values_list("kind", flat=True)) == {"like", "not_interested"}

    feedback_record(user=user, item=item, kind="dislike")
    assert set(FeedbackEvent.objects.values_list("kind", flat=True)) == {"dislike", "not_interested"}

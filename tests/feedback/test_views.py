"""The site's rating and reaction forms: signed in, POST with CSRF, 400 with field messages on bad input."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from feedback.models import FeedbackEvent, Rating
from tests.factories import ExplanationFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    user = UserFactory()
    client.force_login(user)
    return client, user


def test_rating_from_the_item_page_saves_and_goes_back(signed_in):
    client, user = signed_in
    item = ItemFactory()

    response = client.post(reverse("feedback:item-rate", args=[item.pk]), {"value": "4.5"})

    assert response.status_code == 302
    assert response.url == reverse("item-detail", args=[item.pk])
    assert Rating.objects.get(user=user, item=item).value == Decimal("4.5")
    page = client.get(response.url).content.decode()
    assert "You rated" in page
    assert '<option value="4.5" selected>' in page


@pytest.mark.parametrize("value", ["4.3", "9", "", "four"])
def test_a_bad_value_is_a_400_with_the_field_message_and_nothing_written(signed_in, value):
    client, _ = signed_in
    item = ItemFactory()

    response = client.post(reverse("feedback:item-rate", args=[item.pk]), {"value": value})

    assert response.status_code == 400
    assert "value" in response.context["errors"]
    assert not Rating.objects.exists()


def test_unknown_or_unavailable_items_are_404(signed_in):
    client, _ = signed_in
    hidden = ItemFactory(is_active=False)
    assert client.post(reverse("feedback:item-rate", args=[hidden.pk]), {"value": "4"}).status_code == 404
    assert client.post(reverse("feedback:item-rate", args=[999_999]), {"value": "4"}).status_code == 404


def test_forms_need_a_signed_in_user_a_post_and_the_csrf_token():
    item = ItemFactory()
    url = reverse("feedback:item-rate", args=[item.pk])
    assert Client().post(url, {"value": "4"}).status_code == 302  # to the sign-in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    assert strict.post(url, {"value": "4"}).status_code == 403
    assert strict.get(url).status_code == 405
    assert not Rating.objects.exists()


def test_removing_a_rating_removes_only_ones_own(signed_in):
    client, user = signed_in
    item = ItemFactory()
    RatingFactory(user=user, item=item)
    theirs = RatingFactory(item=item)

    client.post(reverse("feedback:item-rating-delete", args=[item.pk]))

    assert list(Rating.objects.all()) == [theirs]


def test_reactions_are_recorded_and_bad_ones_refused(signed_in):
    client, _ = signed_in
    item = ItemFactory()
    url = reverse("feedback:item-feedback", args=[item.pk])

    assert client.post(url, {"kind": "not_interested", "next": "/?q=x"}).url == "/?q=x"
    assert client.post(url, {"kind": "like", "next": "https://evil.example/"}).url == reverse(
        "item-detail", args=[item.pk]
    )
    assert client.post(url, {"kind": "love"}).status_code == 400
    assert client.post(url, {"kind": "reason_helpful", "explanation": "12345"}).status_code == 400
    other = ExplanationFactory()
    assert client.post(url, {"kind": "reason_helpful", "explanation": str(other.pk)}).status_code == 400
    assert sorted(FeedbackEvent.objects.values_list("kind", flat=True)) == ["like", "not_interested"]


def test_my_ratings_lists_mine_with_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    rating = RatingFactory()
    for _ in range(30):
        RatingFactory(user=rating.user)
    RatingFactory(item=rating.item)  # someone else's
    client.force_login(rating.user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("feedback:my-ratings"))

    assert response.status_code == 200
    assert len(response.context["ratings"]) == 31
    assert client.get(reverse("feedback:my-ratings")).status_code == 200


def test_my_ratings_needs_a_signed_in_user(client):
    assert client.get(reverse("feedback:my-ratings")).status_code == 302


@pytest.mark.parametrize("kind", ["like", "dislike", "not_interested"])
def test_each_reaction_can_be_undone_from_the_item_page(signed_in, kind):
    client, user = signed_in
    item = ItemFactory(title="Heat")
    page_url = reverse("item-detail", args=[item.pk])
    client.post(reverse("feedback:item-feedback", args=[item.pk]), {"kind": kind})
    assert f'aria-label="Undo {kind.replace("_", " ")}"' in client.get(page_url).content.decode()

    response = client.post(reverse("feedback:item-feedback-undo", args=[item.pk]), {"kind": kind})

    assert response.status_code == 302
    assert response.url == page_url
    assert not FeedbackEvent.objects.filter(user=user).exists()
    page = client.get(page_url).content.decode()
    assert "Undone:" in page
    assert f'<button type="submit" name="kind" value="{kind}">' in page  # offered again
    assert "Undo " not in page


def test_undo_refuses_other_kinds_and_needs_a_signed_in_post_with_the_csrf_token(signed_in):
    client, user = signed_in
    item = ItemFactory()
    FeedbackEvent.objects.create(user=user, item=item, kind="like")
    url = reverse("feedback:item-feedback-undo", args=[item.pk])

    assert client.post(url, {"kind": "reason_helpful"}).status_code == 400
    assert client.get(url).status_code == 405
    assert Client().post(url, {"kind": "like"}).status_code == 302  # to the sign-in page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(url, {"kind": "like"}).status_code == 403
    assert FeedbackEvent.objects.filter(user=user, kind="like").exists()


def test_hiding_an_item_from_a_list_says_so_with_a_way_back(signed_in):
    client, _ = signed_in
    item = ItemFactory(title="Heat")

    response = client.post(
        reverse("feedback:item-feedback", args=[item.pk]), {"kind": "not_interested", "next": "/?q=heist"}, follow=True
    )

    page = response.content.decode()
    assert response.redirect_chain == [("/?q=heist", 302)]
    assert "Thanks: noted not interested for Heat. It is hidden from your recommendations." in page
    assert f'<a href="{reverse("item-detail", args=[item.pk])}#your-opinion">Undo</a>' in page


def test_remove_on_my_ratings_returns_to_the_list(signed_in):
    client, user = signed_in
    ratings = [RatingFactory(user=user) for _ in range(3)]
    my_ratings = reverse("feedback:my-ratings")
    assert f'<input type="hidden" name="next" value="{my_ratings}">' in client.get(my_ratings).content.decode()

    response = client.post(
        reverse("feedback:item-rating-delete", args=[ratings[0].item.pk]), {"next": my_ratings}, follow=True
    )

    assert response.redirect_chain == [(my_ratings, 302)]
    assert "Your rating of" in response.content.decode()
    assert [r.pk for r in response.context["ratings"]] == [ratings[2].pk, ratings[1].pk]


def test_my_ratings_past_its_last_page_shows_the_last_page(signed_in):
    client, user = signed_in
    for _ in range(51):
        RatingFactory(user=user)
    Rating.objects.filter(user=user).order_by("updated", "pk").first().delete()  # page 2 was its only rating

    response = client.get(reverse("feedback:my-ratings"), {"page": "2"})

    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert len(response.context["ratings"]) == 50


def test_messages_name_the_item_in_reading_order(signed_in):
    client, _ = signed_in
    item = ItemFactory(title="Shawshank Redemption, The")

    response = client.post(reverse("feedback:item-rate", args=[item.pk]), {"value": "4.5"}, follow=True)

    assert "You rated The Shawshank Redemption 4.5." in response.content.decode()

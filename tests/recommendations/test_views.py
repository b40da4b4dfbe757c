"""The home page: recommendations, the mood box and its chips, bounded queries; sign-up and my ratings."""

from decimal import Decimal

import pytest
from django.urls import reverse

from feedback.models import FeedbackEvent
from language.parsed import ParsedIntent
from recommendations.models import Conversation
from recommendations.selectors import CONVERSATION_SESSION_KEY
from recommendations.services.training import model_train
from tests.factories import ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_catalogue_and_item_pages_do_a_bounded_number_of_queries(
    client, taste_world, clean_cache, django_assert_max_num_queries
):
    model_train()
    client.force_login(taste_world["newcomer"])
    alien = taste_world["films"]["Alien"]

    with django_assert_max_num_queries(8):
        assert client.get(reverse("catalog:item-list")).status_code == 200
    with django_assert_max_num_queries(12):
        page = client.get(reverse("item-detail", args=[alien.pk])).content.decode()
    assert "Similar" in page
    assert "Aliens" in page
    assert '<option value="5.0" selected>' in page


def test_item_page_shows_an_active_item_and_hides_an_inactive_one(client):
    item = ItemFactory(title="Heat", year=1995, keywords="heist, los angeles")
    hidden = ItemFactory(is_active=False)

    page = client.get(reverse("item-detail", args=[item.pk]))

    assert page.status_code == 200
    assert page.context["tags"] == ["heist", "los angeles"]
    assert '<a href="/items/?q=los%20angeles">los angeles</a>' in page.content.decode()  # each tag a search
    assert client.get(reverse("item-detail", args=[hidden.pk])).status_code == 404


def test_the_rating_control_has_no_value_chosen_until_the_user_rates(client):
    user, item = UserFactory(), ItemFactory()
    client.force_login(user)

    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()

    assert '<select id="rating-value" name="value" required>' in page
    assert '<option value="" selected>Rate…</option>' in page
    assert page.count(" selected>") == 1  # the placeholder only
    RatingFactory(user=user, item=item, value=Decimal("3.5"))
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert '<option value="">Rate…</option>' in page
    assert '<option value="3.5" selected>' in page


def test_the_page_offers_like_dislike_and_not_interested_and_an_undo_for_each_given(client):
    user, item = UserFactory(), ItemFactory()
    client.force_login(user)
    url = reverse("item-detail", args=[item.pk])

    offered = client.get(url).context["reactions"]
    FeedbackEvent.objects.create(user=user, item=item, kind="dislike")
    page = client.get(url).content.decode()

    assert [(r["kind"], r["label"], r["done"]) for r in offered] == [
        ("like", "Like", ""), ("dislike", "Dislike", ""), ("not_interested", "Not interested", "")
    ]  # fmt: skip
    assert "You dislike it: it is hidden from your recommendations." in page
    assert 'aria-label="Undo dislike"' in page
    assert '<button type="submit" name="kind" value="like">Like</button>' in page
    assert '<button type="submit" name="kind" value="not_interested">Not interested</button>' in page


def test_the_reason_is_fetched_for_a_signed_in_user_who_has_not_rated_or_hidden_the_item(client):
    user, item, rated, hidden = UserFactory(), ItemFactory(), ItemFactory(), ItemFactory()
    RatingFactory(user=user, item=rated)
    FeedbackEvent.objects.create(user=user, item=hidden, kind="not_interested")

    visitor = client.get(reverse("item-detail", args=[item.pk]))
    client.force_login(user)
    page = client.get(reverse("item-detail", args=[item.pk])).content.decode()

    assert visitor.context["reason"] is None
    assert f'data-reason-url="/api/v1/explanations/?item={item.pk}"' in page
    assert "Why we recommend it to you" in page
    assert "js/reasons" in page  # the script that fills it
    for other in (rated, hidden):
        assert client.get(reverse("item-detail", args=[other.pk])).context["reason"] is None


def test_the_reason_is_the_one_for_the_request_that_recommended_the_item(client, django_assert_max_num_queries):
    user, item, elsewhere = UserFactory(), ItemFactory(), ItemFactory()
    conversation = Conversation.objects.create(
        user=user, intent=ParsedIntent(text="a heist film").as_dict(), shown_item_ids=[item.pk]
    )
    client.force_login(user)
    session = client.session
    session[CONVERSATION_SESSION_KEY] = str(conversation.pk)
    session.save()

    with django_assert_max_num_queries(12):
        page = client.get(reverse("item-detail", args=[item.pk])).content.decode()

    assert f"?item={item.pk}&amp;conversation={conversation.pk}" in page
    assert "Why it was recommended for “a heist film”" in page
    other = client.get(reverse("item-detail", args=[elsewhere.pk])).context["reason"]
    assert other["url"] == f"/api/v1/explanations/?item={elsewhere.pk}"  # not in that list: the user's own

"""The home page: recommendations, the mood box and its chips, bounded queries; sign-up and my ratings."""

import pytest
from django.urls import reverse

from explanations.models import Explanation
from explanations.views import Chip, intent_chips
from language.intent import ParsedIntent
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_chips_say_what_was_understood():
    parsed = ParsedIntent(text="", categories=("Sci-Fi",), excluded=("Horror",), year_min=1990, year_max=1999)
    assert intent_chips(parsed) == [Chip("Sci-Fi"), Chip("1990s"), Chip("not Horror", negative=True)]
    assert intent_chips(ParsedIntent(text="", year_min=2011)) == [Chip("from 2011")]
    assert intent_chips(ParsedIntent(text="", year_min=1985, year_max=1987)) == [Chip("1985-1987")]
    assert intent_chips(None) == []


def test_a_visitor_sees_popular_and_featured_items(client, taste_world, clean_cache, django_assert_max_num_queries):
    model_train()
    ItemFactory(title="Staff pick", is_featured=True)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("home")).content.decode()

    assert "What are you in the mood for?" in page
    assert "Popular now" in page
    assert "Staff pick" in page
    assert 'data-reason-url="/api/v1/explanations/?item=' in page


def test_a_signed_in_user_sees_their_recommendations(client, taste_world, clean_cache, django_assert_max_num_queries):
    model_train()
    client.force_login(taste_world["newcomer"])

    with django_assert_max_num_queries(14):
        page = client.get(reverse("home")).content.decode()

    assert "Recommended for you" in page
    assert page.index("Aliens") < page.index("Heat")
    assert "Not interested" in page


def test_asking_in_words_shows_chips_and_keeps_to_them(client, taste_world, clean_cache, django_assert_max_num_queries):
    model_train()
    item_embeddings_refresh()
    client.force_login(taste_world["newcomer"])

    with django_assert_max_num_queries(16):
        response = client.get(reverse("home"), {"q": "a drama, nothing sci-fi"})
    page = response.content.decode()

    assert response.context["chips"] == [Chip("Drama"), Chip("not Sci-Fi", negative=True)]
    assert "For “a drama, nothing sci-fi”" in page
    assert {r["item"].title for r in response.context["recommendations"]} == {"Heat", "Ran", "Brazil"}
    assert "intent=a+drama%2C+nothing+sci-fi" in page


def test_a_pages_reasons_are_asked_for_together_in_one_task(
    client, taste_world, clean_cache, llm_queue, django_capture_on_commit_callbacks
):
    model_train()
    client.force_login(taste_world["newcomer"])

    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("home"))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("home"))  # asked for already: nothing more
        reason = client.get(f"/api/v1/explanations/?item={taste_world['films']['Aliens'].pk}")

    assert Explanation.objects.count() == 5  # every film the newcomer has not rated
    assert set(Explanation.objects.values_list("status", flat=True)) == {"pending"}
    assert llm_queue() == 1
    assert reason.status_code == 202  # the page's row, not a second task

"""The home page: recommendations, the mood box and its chips, bounded queries; sign-up and my ratings."""

import pytest
from django.urls import reverse

from explanations.models import Explanation
from explanations.views import intent_chips
from language.parsed import ParsedIntent
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def labels(chips):
    return [(chip.label, chip.negative) for chip in chips]


def test_chips_say_what_was_understood_and_each_removes_itself():
    parsed = ParsedIntent(text="", categories=("Sci-Fi",), excluded=("Horror",), year_min=1990, year_max=1999)
    chips = intent_chips(parsed)
    assert labels(chips) == [("Sci-Fi", False), ("1990s", False), ("not Horror", True)]
    assert [chip.remove_url for chip in chips] == [
        "?remove=category%3ASci-Fi",
        "?remove=years",
        "?remove=excluded%3AHorror",
    ]
    assert labels(intent_chips(ParsedIntent(text="", year_min=2011))) == [("from 2011", False)]
    assert labels(intent_chips(ParsedIntent(text="", year_min=1985, year_max=1987))) == [("1985-1987", False)]
    assert intent_chips(None) == []


def test_a_visitor_sees_popular_and_featured_items(client, taste_world, clean_cache, django_assert_max_num_queries):
    model_train()
    ItemFactory(title="Staff pick", is_featured=True)

    # 12, and which tuned adapters serve (read at most every RECSITE_ADAPTER_RECHECK_SECONDS per process).
    with django_assert_max_num_queries(13):
        page = client.get(reverse("home")).content.decode()

    assert "What are you in the mood for?" in page
    assert "Popular now" in page
    assert "Staff pick" in page
    assert 'data-reason-url="/api/v1/explanations/?item=' in page


def test_a_signed_in_user_sees_their_recommendations(client, taste_world, clean_cache, django_assert_max_num_queries):
    model_train()
    client.force_login(taste_world["newcomer"])

    # With the count of reasons waiting (bounded by the cap) and which tuned adapters serve (read at most
    # every RECSITE_ADAPTER_RECHECK_SECONDS per process).
    with django_assert_max_num_queries(16):
        page = client.get(reverse("home")).content.decode()

    assert "Recommended for you" in page
    assert page.index("Aliens") < page.index("Heat")
    assert "Not interested" in page


def test_asking_in_words_shows_chips_and_keeps_to_them(client, taste_world, clean_cache, django_assert_max_num_queries):
    model_train()
    item_embeddings_refresh()
    client.force_login(taste_world["newcomer"])

    client.get(reverse("home"), {"q": "drama"})  # loads the model, vectors and titles into this process
    # Warm: a constant number of queries, the conversation's writes and the page's reasons included.
    with django_assert_max_num_queries(24):  # with which tuned adapters serve, at most every few seconds
        response = client.get(reverse("home"), {"q": "a drama, nothing sci-fi", "mode": "new"})
    page = response.content.decode()

    assert labels(response.context["chips"]) == [("Drama", False), ("not Sci-Fi", True)]
    assert "For “a drama, nothing sci-fi”" in page
    assert [r["item"].title for r in response.context["recommendations"]][:3] == ["Heat", "Ran", "Brazil"]
    assert response.context["relaxed"]  # only three dramas: the rest are said to be relaxed
    assert f"conversation={response.context['conversation']}" in page


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

"""Titles as anchors, follow-up turns and removable chips: through the selectors, the API, the command and
the site, with the real encoder and database."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from recommendations.models import Conversation
from recommendations.selectors import recommendations_for_user
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.api import jwt_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEARS = {"Alien": 1979, "Aliens": 1986, "Predator": 1987, "Heat": 1995, "Ran": 1985, "Brazil": 1985}


@pytest.fixture
def world(taste_world, clean_cache):
    for title, film in taste_world["films"].items():
        film.year = YEARS[title]
        film.save()
    model_train()
    item_embeddings_refresh()
    return taste_world


def titles(items):
    return [row["item"]["title"] for row in items]


def test_a_title_named_anchors_the_list_and_is_never_in_it(world):
    result = recommendations_for_user(user=None, n=3, intent="something like Aliens")

    assert [(a.title, a.year) for a in result.intent.anchors] == [("Aliens", 1986)]
    assert result.intent.categories == ()
    assert "Aliens" not in [r.item.title for r in result]
    assert {r.item.title for r in result[:2]} == {"Alien", "Predator"}  # its neighbours, then the rest


def test_an_anchor_combines_with_the_other_constraints(world):
    result = recommendations_for_user(user=world["newcomer"], n=2, intent="like Heat but sci-fi")

    assert [a.title for a in result.intent.anchors] == ["Heat"]
    assert result.intent.categories == ("Sci-Fi",)
    assert {r.item.title for r in result} == {"Aliens", "Predator"}


def test_a_follow_up_refines_the_conversation_through_the_api(world):
    client = jwt_client(world["newcomer"])
    first = client.get("/api/v1/recommendations/", {"intent": "sci-fi", "n": 2}).json()
    conversation = first["intent"]["conversation"]
    assert titles(first["items"]) == ["Aliens", "Predator"] or set(titles(first["items"])) == {"Aliens", "Predator"}

    older = client.get("/api/v1/recommendations/", {"conversation": conversation, "intent": "only older ones"}).json()

    assert older["intent"]["conversation"] == conversation
    assert older["intent"]["categories"] == ["sci-fi"]  # kept from the first turn
    assert older["intent"]["year_max"] == 1985  # older than the list shown (1986, 1987)
    assert older["intent"]["relaxed"]  # the only older sci-fi film is rated: said, and filled
    assert Conversation.objects.get(pk=conversation).turns == 2


def test_more_like_an_item_shown_anchors_on_it(world):
    client = jwt_client(world["newcomer"])
    first = client.get("/api/v1/recommendations/", {"intent": "something from the 80s", "n": 4}).json()
    second_title = titles(first["items"])[1]

    body = client.get(
        "/api/v1/recommendations/",
        {"conversation": first["intent"]["conversation"], "intent": "more like the second one"},
    ).json()

    assert [a["title"] for a in body["intent"]["anchors"]] == [second_title]
    assert second_title not in titles(body["items"])


def test_a_chip_is_removed_by_a_parameter_and_the_list_reruns(world):
    client = jwt_client(world["newcomer"])
    first = client.get("/api/v1/recommendations/", {"intent": "sci-fi from the 80s, no drama"}).json()
    keys = [chip["key"] for chip in first["intent"]["chips"]]
    assert keys == ["category:sci-fi", "years", "excluded:drama"]  # slugs, as the filters take them

    body = client.get(
        "/api/v1/recommendations/",
        {"conversation": first["intent"]["conversation"], "remove": ["years", "category:sci-fi"], "n": 2},
    ).json()

    assert body["intent"]["summary"] == "not Drama"
    assert set(titles(body["items"])) == {"Aliens", "Predator"}
    # the site's chips name the category; either form takes it off
    by_name = client.get(
        "/api/v1/recommendations/", {"conversation": first["intent"]["conversation"], "remove": "excluded:Drama"}
    ).json()
    assert by_name["intent"]["excluded"] == []


def test_intent_categories_are_the_slugs_the_filters_take_with_their_names_beside(world):
    client = jwt_client(world["newcomer"])
    intent = client.get("/api/v1/recommendations/", {"intent": "sci-fi, no drama"}).json()["intent"]

    assert (intent["categories"], intent["excluded"]) == (["sci-fi"], ["drama"])
    assert intent["category_names"] == {"sci-fi": "Sci-Fi", "drama": "Drama"}
    filtered = client.get("/api/v1/recommendations/", {"category": intent["categories"]})
    assert filtered.status_code == 200
    items = client.get("/api/v1/items/", {"category": intent["categories"]}).json()["results"]
    assert items
    assert all("sci-fi" in item["categories"] for item in items)


def test_bad_conversations_and_chips_are_400_with_the_field_and_change_nothing(world):
    owner, stranger = jwt_client(world["newcomer"]), jwt_client(UserFactory())
    conversation = owner.get("/api/v1/recommendations/", {"intent": "sci-fi"}).json()["intent"]["conversation"]

    unknown = owner.get("/api/v1/recommendations/", {"conversation": "4b4c8a3e-3c1c-4a55-9d8a-1f0e2f3a4b5c"})
    not_theirs = stranger.get("/api/v1/recommendations/", {"conversation": conversation, "intent": "older"})
    not_a_chip = owner.get("/api/v1/recommendations/", {"conversation": conversation, "remove": "category:Western"})
    malformed = owner.get("/api/v1/recommendations/", {"conversation": "nope"})
    remove_alone = owner.get("/api/v1/recommendations/", {"remove": "years"})

    assert unknown.status_code == not_theirs.status_code == not_a_chip.status_code == 400
    assert "conversation" in unknown.json()
    assert "conversation" in not_theirs.json()
    assert "remove" in not_a_chip.json()
    assert malformed.status_code == 400
    assert "conversation" in malformed.json()
    assert remove_alone.status_code == 400
    assert Conversation.objects.get(pk=conversation).turns == 1


def test_the_recommend_command_shows_and_continues_a_conversation(world):
    out = StringIO()
    call_command("recommend", "--user", "newcomer", "--intent", "flurbish sci-fi like heat", "--json", stdout=out)
    first = json.loads(out.getvalue())["intent"]

    assert first["unmatched"] == ["flurbish"]
    assert [a["title"] for a in first["anchors"]] == ["Heat"]
    out = StringIO()
    call_command(
        "recommend", "--user", "newcomer", "--conversation", first["conversation"], "--remove", "anchor:"
        + str(first["anchors"][0]["item_id"]), "--json", stdout=out,
    )  # fmt: skip
    again = json.loads(out.getvalue())["intent"]
    assert again["anchors"] == []
    assert again["categories"] == ["Sci-Fi"]
    with pytest.raises(CommandError, match="--conversation: no such conversation"):
        call_command("recommend", "--user", "newcomer", "--conversation", "nope", stdout=StringIO())


def test_the_site_keeps_the_conversation_and_each_chip_removes_itself(client, world):
    client.force_login(world["newcomer"])
    client.get(reverse("home"), {"q": "sci-fi, no drama", "mode": "new"})

    refined = client.get(reverse("home"), {"q": "from the 80s", "mode": "refine"})
    labels = [chip.label for chip in refined.context["chips"]]
    assert labels == ["Sci-Fi", "1980s", "not Drama"]

    removed = client.get(reverse("home") + refined.context["chips"][0].remove_url)
    assert [chip.label for chip in removed.context["chips"]] == ["1980s", "not Drama"]

    fresh = client.get(reverse("home"), {"q": "flurbish", "mode": "new"})
    page = fresh.content.decode()
    assert [chip.label for chip in fresh.context["chips"]] == []
    assert "Not understood: flurbish" in page

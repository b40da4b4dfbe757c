"""Intent requests end to end: real encoder (packaged all-MiniLM-L6-v2), real database."""

import json
import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from language.encoder import PACKAGED_WEIGHTS_SHA256, EncoderError, SentenceEncoder, packaged_model_path
from recommendations import serving
from recommendations.models import ItemEmbedding
from recommendations.selectors import intent_parse, recommendations_for_user
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded_world(taste_world, clean_cache):
    films = taste_world["films"]
    films["Alien"].year, films["Aliens"].year, films["Predator"].year = 1979, 1986, 1987
    films["Heat"].year, films["Ran"].year, films["Brazil"].year = 1995, 1985, 1985
    for film in films.values():
        film.save()
    model_train()
    item_embeddings_refresh()
    return taste_world


def titles(result):
    return [r.item.title for r in result]


def test_constraints_filter_and_the_parsed_intent_comes_back(embedded_world):
    result = recommendations_for_user(user=embedded_world["newcomer"], n=10, intent="sci-fi from the 80s")

    assert result.intent.describe() == "Sci-Fi · 1980-1989"
    assert set(titles(result)[:2]) == {"Aliens", "Predator"}  # Alien is rated (and from 1979)
    # Only two meet every constraint: the list goes on, relaxed, and says so.
    assert set(titles(result)[2:]) == {"Heat", "Ran", "Brazil"}
    assert result.relaxed == [
        "too few movies from 1980-1989: then from any year",  # every step before the one used is in force
        "too few movies are Sci-Fi: then other movies",
    ]
    assert all(r.source == "intent" for r in result)
    assert all(r.similarity is not None for r in result)
    assert result[0].evidence[0].title == "Alien"


def test_exclusions_and_years_hold_for_anonymous_users(embedded_world):
    result = recommendations_for_user(user=None, n=2, intent="something from the 80s, no sci-fi")

    assert set(titles(result)) == {"Ran", "Brazil"}
    assert result.intent.excluded == ("Sci-Fi",)
    assert result.relaxed == []


def test_a_request_nothing_matches_is_relaxed_never_empty(embedded_world):
    result = recommendations_for_user(user=None, n=3, intent="a western from 1950")

    assert len(result) == 3
    assert result.intent.describe() == "1950"  # no Western category in this catalogue
    assert result.intent.unmatched == ("western",)
    assert result.relaxed == ["too few movies from 1950: then from any year"]


def test_a_list_is_empty_only_when_no_unseen_active_item_is_left(embedded_world):
    result = recommendations_for_user(user=embedded_world["newcomer"], n=50, intent="sci-fi from 2030, no drama")
    assert len(result) == 5  # every active item but the one the newcomer rated


@pytest.mark.parametrize("intent", ["", "   ", "x" * 501])
def test_empty_or_overlong_requests_are_refused(embedded_world, intent):
    with pytest.raises(ValueError, match=r"empty|longer than 500"):
        recommendations_for_user(user=None, n=5, intent=intent)


def test_recommend_command_prints_the_intent_and_items(embedded_world):
    out = StringIO()
    call_command("recommend", "--user", "newcomer", "--intent", "sci-fi from the 80s", "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert data["intent"]["summary"] == "Sci-Fi · 1980-1989"
    assert {row["title"] for row in data["items"][:2]} == {"Aliens", "Predator"}
    assert data["intent"]["relaxed"]
    assert data["intent"]["unmatched"] == []
    with pytest.raises(CommandError, match="--intent: the request is empty"):
        call_command("recommend", "--user", "newcomer", "--intent", " ", stdout=StringIO())


def test_only_new_or_changed_items_are_embedded_again(embedded_world):
    films = embedded_world["films"]
    before = dict(ItemEmbedding.objects.values_list("item_id", "updated"))

    films["Heat"].keywords = "heist, los angeles"
    films["Heat"].save()
    ItemFactory(title="Solaris", year=1972)
    embedded, unchanged = item_embeddings_refresh()

    assert (embedded, unchanged) == (2, 5)
    after = dict(ItemEmbedding.objects.values_list("item_id", "updated"))
    assert after[films["Alien"].pk] == before[films["Alien"].pk]
    assert after[films["Heat"].pk] != before[films["Heat"].pk]
    assert item_embeddings_refresh() == (0, 7)


def test_the_encoder_loads_with_the_network_closed(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("tried the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)

    model = SentenceEncoder(packaged_model_path(), expected_sha256=PACKAGED_WEIGHTS_SHA256)

    vectors = model.encode(["space adventure", "a romantic comedy"])
    assert vectors.shape == (2, 384)
    assert abs(float(vectors[0] @ vectors[0]) - 1.0) < 1e-5


def test_weights_with_another_hash_are_refused():
    with pytest.raises(EncoderError, match=r"expected 0{64}"):
        SentenceEncoder(packaged_model_path(), expected_sha256="0" * 64)


def test_the_process_encoder_is_loaded_once():
    assert serving.encoder() is serving.encoder()


def test_intent_requests_do_a_bounded_number_of_queries(embedded_world, django_assert_max_num_queries):
    recommendations_for_user(user=embedded_world["newcomer"], n=3, intent="sci-fi")  # warm the process caches
    with django_assert_max_num_queries(9):
        result = recommendations_for_user(user=embedded_world["newcomer"], n=3, intent="80s sci-fi, no drama")
    assert len(result) == 3  # two meet the request; the third is relaxed


def test_a_user_whose_ratings_the_model_does_not_know_still_gets_results(embedded_world):
    stranger = UserFactory()
    RatingFactory(user=stranger, item=ItemFactory(title="Rated after training"))

    result = recommendations_for_user(user=stranger, n=3, intent="sci-fi")

    assert {r.item.title for r in result} == {"Alien", "Aliens", "Predator"}
    assert all(r.evidence == () for r in result)


def test_a_request_is_parsed_once_per_process_until_the_catalogue_changes(embedded_world):
    first = intent_parse("light sci-fi from the 80s")

    assert intent_parse("light sci-fi from the 80s") is first  # no second encoder call
    CategoryFactory(name="Western", slug="western")
    assert intent_parse("light sci-fi from the 80s") is not first

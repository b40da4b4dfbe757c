"""/covers/<pk>.svg: each item's drawn cover, served like a static file (ETag, long cache, 304)."""

import re
from xml.etree import ElementTree

import pytest
from django.template import Context, Template
from django.urls import reverse

from catalog.selectors import cover_facts, item_cover_facts
from language.covers import PALETTES
from tests.factories import CategoryFactory, ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shawshank():
    return ItemFactory(
        title="Shawshank Redemption, The",
        year=1994,
        categories=[CategoryFactory(name="Drama", slug="drama"), CategoryFactory(name="Crime", slug="crime")],
    )


def cover_path(item) -> str:
    return reverse("catalog:cover", kwargs={"pk": item.pk})


def test_a_cover_is_an_svg_of_the_title_as_read(client, clean_cache, shawshank):
    response = client.get(cover_path(shawshank))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    assert root.find("{http://www.w3.org/2000/svg}title").text == "The Shawshank Redemption (1994)"
    assert f'stop-color="{PALETTES["crime"].base}"' in response.content.decode()  # Crime is the more telling


def test_a_cover_has_an_etag_and_answers_304_to_it(client, clean_cache, shawshank):
    first = client.get(cover_path(shawshank))
    again = client.get(cover_path(shawshank), headers={"If-None-Match": first["ETag"]})

    assert re.fullmatch(r'"[0-9a-f]{32}"', first["ETag"])
    assert "max-age=3600" in first["Cache-Control"]
    assert "public" in first["Cache-Control"]
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_the_versioned_url_is_cached_for_a_year_like_a_hashed_static_file(client, clean_cache, shawshank):
    url = Template("{% load catalog_extras %}{% cover_url item %}").render(Context({"item": shawshank}))

    response = client.get(url)

    assert url == f"{cover_path(shawshank)}?v={item_cover_facts(item_id=shawshank.pk).etag}"
    assert response.status_code == 200
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    stale = client.get(f"{cover_path(shawshank)}?v=0123")  # an older version's URL: not for a year
    assert "immutable" not in stale["Cache-Control"]


def test_the_etag_changes_with_the_title_year_or_genres(client, clean_cache, shawshank):
    before = client.get(cover_path(shawshank))["ETag"]
    shawshank.title = "Shawshank Redemption, The (Director's Cut)"
    shawshank.save()

    after = client.get(cover_path(shawshank))

    assert after["ETag"] != before
    assert client.get(cover_path(shawshank), headers={"If-None-Match": before}).status_code == 200
    assert "Director" in after.content.decode()


def test_a_cover_is_drawn_once_then_served_from_the_cache(client, clean_cache, shawshank, django_assert_num_queries):
    facts = item_cover_facts(item_id=shawshank.pk)
    key = f"catalog:cover:{facts.etag}"
    assert clean_cache.get(key) is None

    first = client.get(cover_path(shawshank))

    assert clean_cache.get(key) == first.content.decode()
    clean_cache.set(key, "<svg>kept</svg>")
    with django_assert_num_queries(1):  # the item's facts; the picture comes from the cache
        assert client.get(cover_path(shawshank)).content == b"<svg>kept</svg>"


def test_the_facts_on_a_page_name_the_same_cover_as_the_view(shawshank):
    assert cover_facts(shawshank) == item_cover_facts(item_id=shawshank.pk)


def test_inactive_and_missing_items_have_no_cover(client, clean_cache):
    hidden = ItemFactory(is_active=False)

    assert client.get(cover_path(hidden)).status_code == 404
    assert client.get(reverse("catalog:cover", kwargs={"pk": hidden.pk + 1000})).status_code == 404
    assert client.post(cover_path(ItemFactory())).status_code == 405


def test_the_pages_policy_lets_them_show_covers(client, shawshank):
    response = client.get(reverse("catalog:item-list"))

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert "'self'" in policy["img-src"].split()  # covers are same-origin images
    assert f'src="{cover_path(shawshank)}?v=' in response.content.decode()

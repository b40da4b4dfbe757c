"""The home page: recommendations, the mood box and its chips, bounded queries; sign-up and my ratings."""

import pytest
from django.urls import reverse

from recommendations.services.training import model_train
from tests.factories import ItemFactory

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
    assert "heist, los angeles" in page.content.decode()
    assert client.get(reverse("item-detail", args=[hidden.pk])).status_code == 404

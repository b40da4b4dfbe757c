from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Item
from tests.factories import CategoryFactory, ItemFactory, RatingFactory

pytestmark = pytest.mark.django_db
ITEMS_URL = reverse("admin:catalog_item_changelist")


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def make_items(count, categories):
    return [ItemFactory(categories=categories) for _ in range(count)]


@pytest.mark.parametrize("url", [ITEMS_URL, reverse("admin:feedback_rating_changelist")])
def test_changelists_do_a_constant_number_of_queries(staff_client, url):
    categories = [CategoryFactory(), CategoryFactory()]
    for item in make_items(3, categories):
        RatingFactory(item=item)
    few = queries_for(staff_client, url)
    for item in make_items(20, categories):
        RatingFactory(item=item)

    assert queries_for(staff_client, url) == few


def test_item_changelist_stays_within_a_query_budget(staff_client, django_assert_max_num_queries):
    make_items(30, [CategoryFactory(), CategoryFactory()])
    with django_assert_max_num_queries(12):
        assert staff_client.get(ITEMS_URL).status_code == 200


@pytest.mark.parametrize(
    ("action", "field", "start", "expected"),
    [
        ("deactivate", "is_active", True, False),
        ("activate", "is_active", False, True),
        ("feature", "is_featured", False, True),
        ("unfeature", "is_featured", True, False),
    ],
)
def test_bulk_actions_change_only_the_selected_items(staff_client, action, field, start, expected):
    chosen = [ItemFactory(**{field: start}) for _ in range(3)]
    other = ItemFactory(**{field: start})

    response = staff_client.post(
        ITEMS_URL, {"action": action, "_selected_action": [item.pk for item in chosen]}, follow=True
    )

    assert response.status_code == 200
    assert "3 item(s)" in response.content.decode()
    assert set(Item.objects.filter(pk__in=[i.pk for i in chosen]).values_list(field, flat=True)) == {expected}
    assert getattr(Item.objects.get(pk=other.pk), field) is start


def test_filters_by_decade_and_searches_by_title(staff_client):
    ItemFactory(title="Heat", year=1995)
    ItemFactory(title="Alien", year=1979)
    ItemFactory(title="Heathers", year=1988)
    ItemFactory(title="Untitled", year=None)

    nineties = staff_client.get(ITEMS_URL, {"decade": "1990"}).context["cl"].result_list
    heat = staff_client.get(ITEMS_URL, {"q": "heat"}).context["cl"].result_list
    no_year = staff_client.get(ITEMS_URL, {"decade": "none"}).context["cl"].result_list

    assert [item.title for item in nineties] == ["Heat"]
    assert sorted(item.title for item in heat) == ["Heat", "Heathers"]
    assert [item.title for item in no_year] == ["Untitled"]


def test_filters_by_category_and_flags(staff_client):
    horror = CategoryFactory(name="Horror")
    ItemFactory(title="Alien", categories=[horror], is_featured=True)
    ItemFactory(title="Heat", is_active=False)

    by_category = staff_client.get(ITEMS_URL, {"categories__id__exact": horror.pk}).context["cl"].result_list
    inactive = staff_client.get(ITEMS_URL, {"is_active__exact": "0"}).context["cl"].result_list

    assert [item.title for item in by_category] == ["Alien"]
    assert [item.title for item in inactive] == ["Heat"]


def test_staff_edits_an_items_categories(staff_client):
    comedy, drama = CategoryFactory(name="Comedy"), CategoryFactory(name="Drama")
    item = ItemFactory(title="Heat", categories=[comedy])

    response = staff_client.post(
        reverse("admin:catalog_item_change", args=[item.pk]),
        {
            "title": "Heat", "year": "1995", "categories": [drama.pk], "description": "", "keywords": "",
            "is_active": "on", "external_ids": "{}",
        },
    )  # fmt: skip

    assert response.status_code == 302
    assert list(item.categories.values_list("name", flat=True)) == ["Drama"]


def test_rating_admin_shows_a_rating(staff_client):
    rating = RatingFactory(value=Decimal("3.5"))
    response = staff_client.get(reverse("admin:feedback_rating_change", args=[rating.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("vForeignKeyRawIdAdminField") == 2  # user and item: raw ids, not a select of every row

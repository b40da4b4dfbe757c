import pytest
from django.urls import reverse

from tests.factories import CategoryFactory, ItemFactory

pytestmark = pytest.mark.django_db
LIST_URL = reverse("catalog:item-list")


def titles(response):
    return [item.title for item in response.context["items"]]


def test_catalogue_lists_active_items_only(client):
    ItemFactory(title="Heat")
    ItemFactory(title="Hidden", is_active=False)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert titles(response) == ["Heat"]


def test_catalogue_filters_by_category_and_title(client):
    horror = CategoryFactory(name="Horror", slug="horror")
    ItemFactory(title="Alien", categories=[horror])
    ItemFactory(title="Aliens", categories=[horror])
    ItemFactory(title="Heat")

    assert titles(client.get(LIST_URL, {"category": "horror"})) == ["Alien", "Aliens"]
    assert titles(client.get(LIST_URL, {"category": "horror", "q": "aliens"})) == ["Aliens"]
    assert client.get(LIST_URL, {"category": "no-such"}).status_code == 404


def test_catalogue_pages_do_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    categories = [CategoryFactory(), CategoryFactory()]
    for _ in range(30):
        ItemFactory(categories=categories)
    with django_assert_max_num_queries(5):
        response = client.get(LIST_URL, {"page": 2})
    assert response.status_code == 200
    assert len(response.context["items"]) == 6


@pytest.mark.parametrize("query", ["q=a%00b", "category=a%00b", f"q={'x' * 201}", "category=no%20slug"])
def test_a_query_no_title_or_slug_can_hold_is_a_400_not_a_server_error(client, query):
    response = client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 400
    assert response.context["filter_errors"]

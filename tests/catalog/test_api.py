"""/api/v1/items/: filters, staff writes, similar items."""

import pytest
from rest_framework.test import APIClient

from catalog.models import Item
from tests.api import jwt_client
from tests.factories import CategoryFactory, ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def test_the_list_filters_by_category_years_and_title_and_shows_only_active_items(clean_cache):
    horror = CategoryFactory(name="Horror", slug="horror")
    ItemFactory(title="Alien", year=1979, categories=[horror])
    ItemFactory(title="Aliens", year=1986, categories=[horror])
    ItemFactory(title="Heat", year=1995)
    ItemFactory(title="Alien 3", year=1992, is_active=False, categories=[horror])
    client = APIClient()

    assert titles(client.get("/api/v1/items/")) == ["Alien", "Aliens", "Heat"]
    assert titles(client.get("/api/v1/items/?category=horror&year_min=1980")) == ["Aliens"]
    assert titles(client.get("/api/v1/items/?q=alien&year_max=1980")) == ["Alien"]
    assert titles(jwt_client(UserFactory(is_staff=True)).get("/api/v1/items/?q=alien")) == [
        "Alien", "Alien 3", "Aliens",
    ]  # fmt: skip
    assert client.get("/api/v1/items/?year_min=soon").status_code == 400


def test_staff_create_update_and_deactivate(clean_cache):
    drama = CategoryFactory(name="Drama", slug="drama")
    staff = jwt_client(UserFactory(is_staff=True))

    created = staff.post("/api/v1/items/", {"title": "Ran", "year": 1985, "categories": ["drama"]})
    pk = created.json()["id"]
    renamed = staff.patch(f"/api/v1/items/{pk}/", {"title": "Ran (restored)", "is_featured": True})
    removed = staff.delete(f"/api/v1/items/{pk}/")

    assert created.status_code == 201
    assert renamed.json()["title"] == "Ran (restored)"
    assert removed.status_code == 204
    item = Item.objects.get(pk=pk)
    assert (item.source, item.is_active, item.is_featured) == ("staff", False, True)
    assert list(item.categories.all()) == [drama]
    assert staff.post("/api/v1/items/", {"title": "", "categories": ["nope"]}).json().keys() == {
        "title", "categories",
    }  # fmt: skip

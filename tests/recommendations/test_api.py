"""/api/v1/items/: filters, staff writes, similar items."""

import pytest
from rest_framework.test import APIClient

from recommendations.services.training import model_train

pytestmark = pytest.mark.django_db


def test_similar_items_come_from_the_active_model(taste_world, clean_cache):
    model_train()
    alien = taste_world["films"]["Alien"]

    response = APIClient().get(f"/api/v1/items/{alien.pk}/similar/")

    assert response.status_code == 200
    assert {row["item"]["title"] for row in response.json()} == {"Aliens", "Predator"}
    assert all(0 < row["score"] <= 1 for row in response.json())

"""The home page: recommendations, the mood box and its chips, bounded queries; sign-up and my ratings."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_up_creates_the_account_and_signs_in(client):
    response = client.post(
        reverse("signup"), {"username": "maya", "password1": "a-long-new-password", "password2": "a-long-new-password"}
    )

    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"].username == "maya"
    bad = client.post(reverse("signup"), {"username": "x", "password1": "short", "password2": "other"})
    assert bad.status_code == 200
    assert bad.context["form"].errors

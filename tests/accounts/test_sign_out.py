"""A password change revokes every API token at once; "sign out everywhere" ends every session and
refresh token, in the API and on the site."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def tokens(username: str, password: str = PASSWORD) -> dict:
    answer = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def refreshed(refresh: str):
    return APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")


def me(access: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get("/api/v1/me/")


def test_a_password_change_on_the_site_revokes_old_tokens(clean_cache):
    user = UserFactory(username="maya")
    old = tokens("maya")
    site = Client()
    site.force_login(user)

    changed = site.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "another-long-password", "new_password2": "another-long-password"},
    )

    assert changed.status_code == 302
    assert refreshed(old["refresh"]).status_code == 401
    assert me(old["access"]).status_code == 401
    fresh = tokens("maya", "another-long-password")
    assert me(fresh["access"]).status_code == 200
    assert site.get(reverse("home")).status_code == 200  # the device that changed it stays signed in


def test_sign_out_everywhere_in_the_api(clean_cache):
    UserFactory(username="maya")
    phone, tablet = tokens("maya"), tokens("maya")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone['access']}")

    assert client.post("/api/v1/auth/sign-out-everywhere/").status_code == 204
    assert refreshed(phone["refresh"]).status_code == 401
    assert refreshed(tablet["refresh"]).status_code == 401


def test_sign_out_everywhere_on_the_site_ends_other_sessions(clean_cache):
    UserFactory(username="maya")
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert device.post(reverse("login"), {"username": "maya", "password": PASSWORD}).status_code == 302
    app = tokens("maya")

    answer = laptop.post(reverse("sign-out-everywhere"))

    assert answer.status_code == 302
    assert answer["Location"] == reverse("login")
    assert phone.get(reverse("feedback:my-ratings")).status_code == 302  # sent to sign in again
    assert refreshed(app["refresh"]).status_code == 401

"""Accounts, tokens, health and the schema; the auth matrix over every endpoint."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_register_then_sign_in_and_see_oneself(clean_cache):
    client = APIClient()

    created = client.post(
        "/api/v1/auth/register/", {"username": "maya", "password": "a-long-new-password", "email": "m@example.com"}
    )
    tokens = client.post("/api/v1/auth/token/", {"username": "maya", "password": "a-long-new-password"}).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = client.get("/api/v1/me/")

    assert created.status_code == 201
    assert "password" not in created.json()
    assert me.status_code == 200
    assert me.json()["username"] == "maya"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "maya", "password": "123"}, "password"),
        ({"username": "maya", "password": "password123"}, "password"),
        ({"username": "", "password": "a-long-new-password"}, "username"),
        ({"password": "a-long-new-password"}, "username"),
    ],
)
def test_a_bad_registration_is_a_400_naming_the_field(clean_cache, body, field):
    response = APIClient().post("/api/v1/auth/register/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_refresh_tokens_rotate_and_can_be_revoked(clean_cache):
    UserFactory(username="maya")
    client = APIClient()
    first = client.post("/api/v1/auth/token/", {"username": "maya", "password": "a-long-test-password"}).json()

    second = client.post("/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    reused = client.post("/api/v1/auth/token/refresh/", {"refresh": first["refresh"]})
    revoked = client.post("/api/v1/auth/token/revoke/", {"refresh": second.json()["refresh"]})
    after_revoke = client.post("/api/v1/auth/token/refresh/", {"refresh": second.json()["refresh"]})

    assert second.status_code == 200
    assert reused.status_code == 401  # rotated: the old refresh token is blacklisted
    assert revoked.status_code == 204
    assert after_revoke.status_code == 401
    assert client.post("/api/v1/auth/token/revoke/", {"refresh": "not-a-token"}).status_code == 400


def test_the_sixth_login_attempt_in_a_minute_is_refused(clean_cache):
    UserFactory(username="maya")
    client = APIClient()
    answers = [
        client.post("/api/v1/auth/token/", {"username": "maya", "password": "wrong-password"}).status_code
        for _ in range(6)
    ]
    assert answers == [401] * 5 + [429]

"""The production profile's answers: security headers, secure cookies, and bad bodies as 400s."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import ItemFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_the_security_headers_over_https(client):
    response = client.get(reverse("home"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_secure_and_the_session_is_http_only(client):
    UserFactory(username="maya")
    page = client.get(reverse("login"), secure=True)
    signed_in = client.post(
        reverse("login"),
        {
            "username": "maya",
            "password": "a-long-test-password",
            "csrfmiddlewaretoken": page.cookies["csrftoken"].value,
        },
        secure=True,
    )

    session = signed_in.cookies["sessionid"]
    assert signed_in.status_code == 302
    assert session["secure"]
    assert session["httponly"]
    assert page.cookies["csrftoken"]["secure"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"value": "4.5"', "application/json"),  # cut short
        ("value=4.5", "application/x-www-form-urlencoded"),  # not JSON
        ('{"value": "' + "9" * 3_000_000 + '"}', "application/json"),  # over the upload limit
        ("[1, 2, 3]", "application/json"),  # JSON, but not an object
    ],
    ids=["truncated", "not-json", "oversized", "array"],
)
def test_malformed_or_oversized_bodies_are_4xx_never_500(clean_cache, body, content_type):
    from tests.api import jwt_client

    item = ItemFactory()
    client = jwt_client(UserFactory())

    response = client.generic("PUT", f"/api/v1/ratings/{item.pk}/", body, content_type=content_type)

    assert 400 <= response.status_code < 500
    assert response.status_code != 404


def test_an_oversized_form_post_is_a_400(client):
    client.force_login(UserFactory())
    item = ItemFactory()
    response = client.post(
        reverse("feedback:item-rate", args=[item.pk]), {"value": "4", "padding": "x" * 3_000_000}, secure=True
    )
    assert response.status_code == 400
    assert APIClient().get("/health/").status_code == 200  # and the site carries on

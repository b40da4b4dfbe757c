"""Sign-in, sign-up and password-reset forms (the site's and the admin's) are limited: the 6th failure
within a minute answers 429, per address and per account; signing in right never counts."""

import pytest
from django.test import Client
from django.urls import reverse

from common.limits import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_the_sixth_wrong_sign_in_within_a_minute_answers_429(client, clean_cache, url_name):
    UserFactory(username="maya", is_staff=True)
    url = reverse(url_name)

    wrong = [client.post(url, {"username": "maya", "password": "guess"}).status_code for _ in range(6)]
    right = client.post(url, {"username": "maya", "password": PASSWORD})

    assert wrong == [200] * 5 + [429]
    assert right.status_code == 429  # locked for the minute, whatever is sent
    assert right["Retry-After"] == "60"


def test_an_account_is_limited_from_any_address(clean_cache):
    UserFactory(username="maya")
    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(reverse("login"), {"username": "Maya", "password": "guess"})
        for n in range(6)
    ]
    assert [answer.status_code for answer in answers] == [200] * 5 + [429]


def test_signing_in_right_is_never_counted(client, clean_cache):
    UserFactory(username="maya")
    answers = [client.post(reverse("login"), {"username": "maya", "password": PASSWORD}) for _ in range(8)]
    assert {answer.status_code for answer in answers} == {302}


def test_sign_up_cannot_probe_usernames_without_limit(client, clean_cache):
    UserFactory(username="taken")
    form = {"username": "taken", "password1": "a-long-new-password", "password2": "a-long-new-password"}

    answers = [client.post(reverse("signup"), form).status_code for _ in range(6)]

    assert answers == [200] * 5 + [429]


def test_password_reset_requests_are_limited(client, clean_cache):
    answers = [client.post(reverse("password_reset"), {"email": "a@example.com"}).status_code for _ in range(6)]
    assert answers[-1] == 429
    assert 429 not in answers[:5]


def test_the_client_address_counts_the_configured_proxies(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.2", REMOTE_ADDR="10.0.0.1")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    assert client_address(request) == "10.0.0.1"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_address(request) == "10.0.0.2"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 2}
    assert client_address(request) == "203.0.113.9"

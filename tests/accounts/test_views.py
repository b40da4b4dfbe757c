"""The home page: recommendations, the mood box and its chips, bounded queries; sign-up and my ratings;
signing in, and the password reset only where mail can reach people."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

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


def test_signing_in_without_next_lands_on_the_home_page(client, clean_cache):
    UserFactory(username="maya")

    response = client.post(reverse("login"), {"username": "maya", "password": "a-long-test-password", "next": ""})

    assert response.status_code == 302
    assert response.url == reverse("home")  # not /accounts/profile/, which is no page here
    assert client.get(response.url).status_code == 200


def test_signing_out_lands_on_the_home_page(client, clean_cache):
    client.force_login(UserFactory(username="maya"))

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("home")  # not the admin's "logged out" page


def test_the_sign_in_page_title_is_plain_text(client):
    page = client.get(reverse("login")).content.decode()

    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert title.strip() == "Sign in · recsite"


def test_with_mail_the_reset_mails_a_link_that_sets_a_new_password(client, settings, mailoutbox, clean_cache):
    settings.RECSITE_PASSWORD_RESET = True
    UserFactory(username="maya", email="maya@example.com")
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()

    asked = client.post(reverse("password_reset"), {"email": "maya@example.com"})

    assert (asked.status_code, asked.url) == (302, reverse("password_reset_done"))
    assert "Check your email" in client.get(asked.url).content.decode()
    [mail] = mailoutbox
    assert mail.to == ["maya@example.com"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.body).group(1)
    form = client.get(link, follow=True)
    changed = client.post(
        form.redirect_chain[-1][0], {"new_password1": "another-long-password", "new_password2": "another-long-password"}
    )
    assert (changed.status_code, changed.url) == (302, reverse("password_reset_complete"))
    assert client.login(username="maya", password="another-long-password")


def test_without_mail_in_production_the_reset_is_hidden_and_says_it_is_unavailable(
    client, settings, mailoutbox, clean_cache
):
    settings.RECSITE_PASSWORD_RESET = False  # what DJANGO_DEBUG off and no EMAIL_URL or EMAIL_HOST give
    UserFactory(username="maya", email="maya@example.com")

    login_page = client.get(reverse("login")).content.decode()
    answers = [
        client.get(reverse("password_reset")),
        client.post(reverse("password_reset"), {"email": "maya@example.com"}),
        client.get(reverse("password_reset_done")),
    ]

    assert reverse("password_reset") not in login_page
    assert "Forgot your password" not in login_page
    for answer in answers:
        assert answer.status_code == 404
        assert "Password reset is unavailable" in answer.content.decode()
    assert mailoutbox == []  # and nothing pretends it was sent

"""The site's corners in its own style: the favicon, the sign-up and sign-in pages, the error pages."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import path, reverse

from recsite.urls import urlpatterns as site_urls

pytestmark = pytest.mark.django_db


def refuses(exception):
    def view(request):
        raise exception

    return view


def fails(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("forbidden/", refuses(PermissionDenied())),
    path("bad/", refuses(SuspiciousOperation("bad"))),
    path("broken/", fails),
    *site_urls,
]
handler500 = "common.errors.server_error"


def test_favicon_ico_is_served_not_a_404(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age=86400" in response["Cache-Control"]


def test_every_page_names_its_icons(client):
    page = client.get(reverse("catalog:item-list")).content.decode()

    assert '<link rel="icon" href="/favicon.ico"' in page
    assert 'href="/static/favicon.svg" type="image/svg+xml"' in page


@pytest.mark.parametrize("name", ["signup", "login"])
def test_sign_up_and_sign_in_are_panels_of_labelled_fields(client, name):
    page = client.get(reverse(name)).content.decode()

    assert 'class="site-header"' in page
    assert '<section class="panel">' in page
    assert page.count('<div class="field">') >= 2
    assert '<label for="id_username">Username:</label>' in page
    assert 'class="primary"' in page


def test_a_refused_sign_up_shows_its_errors_by_their_fields(client):
    page = client.post(reverse("signup"), {"username": "maya", "password1": "a", "password2": "b"}).content.decode()

    assert '<div class="field has-error">' in page
    assert 'class="errorlist' in page


@override_settings(DEBUG=False)
def test_an_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "We could not find that page" in page
    assert "/static/css/site.css" in page


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
@pytest.mark.parametrize(
    ("url", "status", "says"),
    [("/forbidden/", 403, "You cannot see this page"), ("/bad/", 400, "could not be understood")],
)
def test_refusals_are_styled_pages(client, url, status, says):
    response = client.get(url)

    assert response.status_code == status
    assert says in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF=__name__)
def test_a_server_error_is_a_styled_page_needing_nothing(client):
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert 'class="site-header"' in response.content.decode()


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("500.html", "Something went wrong"),
        ("503.html", "Back in a moment"),
        ("400.html", "could not be understood"),
        ("403_csrf.html", "This form has expired"),
    ],
)
def test_the_last_resort_pages_render_with_no_context_at_all(name, says):
    page = render_to_string(name)

    assert says in page
    assert "/static/css/site.css" in page
    assert "/static/favicon.svg" in page


@override_settings(DEBUG=False)
def test_a_refused_csrf_token_is_a_styled_page(client):
    client.handler.enforce_csrf_checks = True

    response = client.post(reverse("login"), {"username": "maya", "password": "x"})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()

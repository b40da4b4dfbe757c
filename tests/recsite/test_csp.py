"""Content-Security-Policy on every page, and no script from anywhere but this site: Swagger UI comes from
drf-spectacular-sidecar's static files, and an inline script or style runs only with the request's nonce.
(tests/browser/test_csp.py checks that the pages still work under the policy in a real browser.)"""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TAG = re.compile(r"<(script|style|link)\b([^>]*)>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def tags(html: str) -> list[tuple[str, dict[str, str]]]:
    return [
        (name.lower(), {key.lower(): first or second for key, first, second in ATTRIBUTE.findall(attributes)})
        for name, attributes in TAG.findall(html)
    ]


def pages(films) -> dict[str, str]:
    return {
        "home": reverse("home"),
        "item page": reverse("item-detail", args=[films["Alien"].pk]),
        "catalogue": reverse("catalog:item-list"),
        "login": reverse("login"),
        "admin login": "/admin/login/",
        "API docs": reverse("api-docs"),
    }


def test_every_page_sends_a_policy_that_allows_only_this_sites_scripts(client, taste_world, clean_cache):
    for name, url in pages(taste_world["films"]).items():
        response = client.get(url, secure=True)

        assert response.status_code == 200, name
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], name
        assert policy["object-src"] == ["'none'"], name
        assert policy["frame-ancestors"] == ["'none'"], name
        script_sources = policy["script-src"]
        assert script_sources[0] == "'self'", name
        assert all(source.startswith("'nonce-") for source in script_sources[1:]), (name, script_sources)


def test_no_page_loads_a_script_or_style_from_elsewhere_or_inlines_one_without_its_nonce(
    client, taste_world, clean_cache
):
    for name, url in pages(taste_world["films"]).items():
        response = client.get(url, secure=True)
        html = response.content.decode()
        nonces = {source.removeprefix("'nonce-").rstrip("'") for source in directives(response).get("script-src", [])}

        for tag, attributes in tags(html):
            where = attributes.get("src") or (attributes.get("href") if tag == "link" else None)
            if where is not None:  # a file: from this site, never another host (http://, https://, //)
                assert where.startswith("/"), (name, tag, where)
                assert not where.startswith("//"), (name, tag, where)
            elif tag in ("script", "style"):  # inline: only with this answer's nonce
                assert attributes.get("nonce") in nonces, (name, tag, attributes)
        assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", html, re.IGNORECASE), name


def test_swagger_ui_is_served_from_the_sidecar_package_and_its_start_up_script_is_a_file(client):
    page = client.get(reverse("api-docs"), secure=True).content.decode()

    bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert f"/static/{bundle}" in page
    assert finders.find(bundle)  # shipped in the installed package, collected by collectstatic
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
    script = client.get(reverse("api-docs") + "?script=", secure=True)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert f'src="{reverse("api-docs")}?script=' in page


def test_the_admin_answers_under_the_policy(client, clean_cache):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    for url in ("/admin/", "/admin/explanations/explanation/"):
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        assert directives(response)["default-src"] == ["'self'"], url

"""The Content-Security-Policy in a real browser (Debian's Chromium, as tests/browser/test_site.py drives
it): Swagger UI at /api/docs/ and the admin work under it, ask nothing of any other host, and the browser
reports no violation. (The site's own pages and static/js/reasons.js are driven by test_site.py.)"""

import pytest
from playwright.sync_api import expect

from tests.browser.test_site import browser_page  # noqa: F401  (the fixture)
from tests.factories import ExplanationFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(browser_page, live_server):  # noqa: F811
    """The page, and what the browser said about the policy or asked of other hosts."""
    seen = {"violations": [], "elsewhere": []}
    browser_page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and seen["violations"].append(message.text),
    )
    browser_page.on(
        "request",
        lambda request: (
            not request.url.startswith((live_server.url, "data:")) and seen["elsewhere"].append(request.url)
        ),
    )
    return browser_page, seen


def test_swagger_ui_renders_the_api_from_this_site_only_with_no_policy_violation(live_server, watched, clean_cache):
    page, seen = watched

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("recsite API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()  # the operations, read from /api/schema/
    page.locator(".opblock-summary-control").first.click()  # an operation opens (the bundle's script runs)
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert seen == {"violations": [], "elsewhere": []}


@pytest.fixture
def editor(settings, clean_cache):
    """A superuser and one reason (made before the browser starts: Playwright's loop then owns the thread)."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # the live server speaks http
    ExplanationFactory()
    return UserFactory(username="editor", is_staff=True, is_superuser=True)


def test_the_admin_signs_in_and_lists_reasons_with_no_policy_violation(live_server, editor, watched):
    page, seen = watched

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto(f"{live_server.url}/admin/explanations/explanation/")
    expect(page.locator("#feedback-by-prompt-version")).to_be_visible()
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#action-toggle").check()  # the admin's own script selects every row
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")
    assert seen == {"violations": [], "elsewhere": []}

"""The site in a real browser: Debian's Chromium driven by Playwright against a live server on loopback.

Sign up, rate three items, ask for "a funny animated movie for kids", see the chips and the list change,
see a reason appear, mark an item "not interested" and see it gone. Screenshots of the home page, the
results and an item page go to var/screenshots/ on every run (docs/screenshots/ keeps a current set).
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get install chromium (.ci/run installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(20_000)
        yield page
        browser.close()


@pytest.fixture
def site(settings, taste_world, tiny_generator, clean_cache):
    """taste_world plus a family corner, a trained model and item vectors; reasons written in-process
    by the tiny generator (whose text the guard refuses, so the template reason is shown)."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # the live server speaks http
    settings.CELERY_TASK_ALWAYS_EAGER = True
    animation, children = CategoryFactory(name="Animation"), CategoryFactory(name="Children")
    comedy = CategoryFactory(name="Comedy")
    family = [
        ItemFactory(title=title, year=year, categories=[animation, children, comedy])
        for title, year in (("Toy Story", 1995), ("Aladdin", 1992), ("The Lion King", 1994), ("Shrek", 2001))
    ]
    for n in range(3):
        parent = UserFactory(username=f"parent-{n}")
        for film in family:
            RatingFactory(user=parent, item=film, value=Decimal("4.5"))
    model_train()
    item_embeddings_refresh()
    return {**taste_world, "family": family}


def titles_on(page) -> list[str]:
    return page.locator(".cards .card .title").all_inner_texts()


def test_sign_up_rate_ask_see_reasons_and_hide_an_item(live_server, site, browser_page):
    page, films = browser_page, site["films"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password:", exact=True).fill("a-long-new-password")
    page.get_by_label("Password confirmation").fill("a-long-new-password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("button", name=re.compile(r"^Sign out \("))).to_be_visible()

    for film, stars in ((films["Alien"], "5.0"), (films["Heat"], "4.0"), (site["family"][0], "4.5")):
        page.goto(f"{live_server.url}/items/{film.pk}/")
        page.get_by_label("Your rating").select_option(stars)
        page.get_by_role("button", name="Rate", exact=True).click()
        expect(page.get_by_text(f"You rated {film.title}")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "item.png"), full_page=True)

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Recommended for you")).to_be_visible()
    before = titles_on(page)
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

    page.get_by_label("Describe what you would like to watch").fill("a funny animated movie for kids")
    page.get_by_role("button", name="Find").click()
    chips = page.get_by_role("list", name="Understood as")
    expect(chips).to_contain_text("Animation")
    after = titles_on(page)
    assert after != before
    assert set(after[:3]) == {film.title for film in site["family"][1:]}  # every family film not rated
    expect(page.get_by_text("Relaxed:").first).to_be_visible()  # then the rest, said so
    reason = page.locator(".reason-text").first
    expect(reason).to_contain_text("Because you liked", timeout=30_000)
    expect(page.get_by_role("button", name="Helpful", exact=True).first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "results.png"), full_page=True)

    hidden = after[0]
    page.get_by_role("button", name=f"Not interested in {hidden}").click()
    expect(page.get_by_text("Thanks: noted not interested")).to_be_visible()
    assert hidden not in titles_on(page)
    assert titles_on(page)  # the rest of the answer is still there

    page.get_by_role("link", name="Remove Comedy").click()  # one click takes a chip off
    expect(page.get_by_role("list", name="Understood as")).not_to_contain_text("Comedy")
    expect(page.get_by_role("list", name="Understood as")).to_contain_text("Animation")
    page.get_by_label("Describe what you would like to watch").fill("only older ones")
    page.get_by_role("button", name="Refine").click()
    expect(page.get_by_role("list", name="Understood as")).to_contain_text("until")


def test_the_readme_shows_a_current_set_of_screenshots():
    """docs/screenshots/ holds the set the README shows (copied from var/screenshots/ after a run)."""
    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "README.md").read_text()
    for name in ("home.png", "results.png", "item.png"):
        assert (repo / "docs" / "screenshots" / name).stat().st_size > 10_000
        assert f"docs/screenshots/{name}" in readme

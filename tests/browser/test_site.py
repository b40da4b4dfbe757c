"""The site in a real browser: Debian's Chromium driven by Playwright against a live server on loopback.

Sign up, rate three items, ask for "a funny animated movie for kids", see the chips and the list change,
see a reason appear, mark an item "not interested" and see it gone, then take it back. On an item page: its
tags, the reason it is recommended, similar items, a rating control with nothing chosen, Like, Dislike and
Not interested each with its undo; Remove on My ratings comes back to the list. Covers load, the favicon
answers, and the browser reports no console error on any page. Screenshots of the sign-up page, the
catalogue, the home page, the results and an item page go to var/screenshots/ on every run
(docs/screenshots/ keeps a current set).
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect, sync_playwright

from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
README_SCREENSHOTS = ("home.png", "results.png", "item.png", "catalogue.png", "signup.png")
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
    films = taste_world["films"]
    films["Aliens"].keywords = "space marines, xenomorph, sequel"
    films["Aliens"].save(update_fields=["keywords"])
    model_train()
    item_embeddings_refresh()
    return {**taste_world, "family": family}


@pytest.fixture
def console_errors(browser_page):
    """What the browser reports as errors while the test runs (console errors, uncaught exceptions, failed
    loads), each with the page it happened on."""
    errors = []
    browser_page.on("console", lambda m: m.type == "error" and errors.append(f"{browser_page.url}: {m.text}"))
    browser_page.on("pageerror", lambda exc: errors.append(f"{browser_page.url}: {exc}"))
    return errors


def expect_cover(page, item) -> None:
    """The item's cover (catalog:cover) is on the page and the browser decoded it."""
    cover = page.locator(f'img[src^="{reverse("catalog:cover", args=[item.pk])}"]').first
    cover.scroll_into_view_if_needed()
    expect(cover).to_be_visible()
    cover.evaluate("img => img.decode ? img.decode() : null")
    assert cover.evaluate("img => img.complete && img.naturalWidth > 0"), f"the cover of {item.title} did not load"


IN_VIEW = "[...document.images].filter(i => i.getBoundingClientRect().top < window.innerHeight)"


def expect_visible_images_loaded(page) -> None:
    """The page shows images (covers), and every one in view is decoded: none broken. (Covers are lazy:
    those below the fold load when scrolled to.)"""
    assert page.evaluate(f"() => {IN_VIEW}.length") > 0
    try:
        page.wait_for_function(f"() => {IN_VIEW}.every(i => i.complete && i.naturalWidth > 0)", timeout=10_000)
    except PlaywrightTimeout:
        broken = page.evaluate(f"() => {IN_VIEW}.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        pytest.fail(f"images not loaded on {page.url}: {broken}")


def expect_styled_form(page) -> None:
    """The site's stylesheet loaded and styles the form's fields (not the browser's inset defaults)."""
    assert page.evaluate("() => [...document.styleSheets].every(s => s.cssRules.length > 0)")
    field = page.locator("main form input:not([type=hidden])").first
    assert field.evaluate("e => getComputedStyle(e).borderTopStyle") != "inset"


def titles_on(page) -> list[str]:
    return page.locator(".cards .card .title").all_inner_texts()


def test_sign_up_rate_ask_see_reasons_and_hide_an_item(live_server, site, browser_page, console_errors):
    page, films = browser_page, site["films"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/")  # a visitor's home: the popular items, with their reasons
    expect(page.get_by_role("heading", name="Popular now")).to_be_visible()
    expect(page.locator('.reason[aria-busy="true"]')).to_have_count(0, timeout=45_000)
    expect_visible_images_loaded(page)

    page.goto(f"{live_server.url}/accounts/signup/")
    expect_styled_form(page)
    icon = page.locator('link[rel~="icon"]').first
    icon_url = icon.get_attribute("href") if icon.count() else "/favicon.ico"
    assert page.request.get(f"{live_server.url}{icon_url}").status == 200
    page.screenshot(path=str(SCREENSHOTS / "signup.png"), full_page=True)
    page.get_by_label("Username").fill("maya")
    page.get_by_label("Password:", exact=True).fill("a-long-new-password")
    page.get_by_label("Password confirmation").fill("a-long-new-password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("button", name=re.compile(r"^Sign out \("))).to_be_visible()

    page.goto(f"{live_server.url}/items/")
    expect_cover(page, films["Alien"])
    expect_visible_images_loaded(page)
    page.screenshot(path=str(SCREENSHOTS / "catalogue.png"))

    for film, stars in ((films["Alien"], "5.0"), (films["Heat"], "4.0"), (site["family"][0], "4.5")):
        page.goto(f"{live_server.url}/items/{film.pk}/")
        expect_cover(page, film)
        page.get_by_label("Your rating").select_option(stars)
        page.get_by_role("button", name="Rate", exact=True).click()
        expect(page.get_by_text(f"You rated {film.title}")).to_be_visible()

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Recommended for you")).to_be_visible()
    before = titles_on(page)
    expect(page.locator('.reason[aria-busy="true"]')).to_have_count(0, timeout=45_000)  # every reason written
    expect_visible_images_loaded(page)
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
    expect(page.locator('.reason[aria-busy="true"]')).to_have_count(0, timeout=45_000)
    expect_visible_images_loaded(page)
    page.screenshot(path=str(SCREENSHOTS / "results.png"), full_page=True)

    hidden = after[0]
    page.get_by_role("button", name=f"Not interested in {hidden}").click()
    expect(page.get_by_text("Thanks: noted not interested")).to_be_visible()
    assert hidden not in titles_on(page)
    assert titles_on(page)  # the rest of the answer is still there
    results = page.url
    page.get_by_role("status").get_by_role("link", name="Undo").click()  # the way back: its page's undo
    page.get_by_role("button", name="Undo not interested").click()
    expect(page.get_by_text("It can be recommended to you again.")).to_be_visible()
    page.goto(results)
    assert hidden in titles_on(page)

    page.get_by_role("link", name="Remove Comedy").click()  # one click takes a chip off
    expect(page.get_by_role("list", name="Understood as")).not_to_contain_text("Comedy")
    expect(page.get_by_role("list", name="Understood as")).to_contain_text("Animation")
    page.get_by_label("Describe what you would like to watch").fill("only older ones")
    page.get_by_role("button", name="Refine").click()
    expect(page.get_by_role("list", name="Understood as")).to_contain_text("until")
    assert console_errors == []


def test_the_item_page_reacts_with_undo_rates_from_nothing_chosen_and_shows_reason_tags_and_similar(
    live_server, site, browser_page, console_errors
):
    page, films = browser_page, site["films"]
    aliens = films["Aliens"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("newcomer")  # who rated Alien 5 stars
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name=re.compile(r"^Sign out \("))).to_be_visible()

    page.goto(f"{live_server.url}/items/{aliens.pk}/")
    expect_cover(page, aliens)
    expect(page.get_by_role("list", name="Tags")).to_contain_text("space marines")
    expect(page.get_by_role("heading", name="Why we recommend it to you")).to_be_visible()
    expect(page.locator(".why .reason-text")).to_contain_text("Because you liked Alien", timeout=30_000)
    similar = page.get_by_role("region", name="Similar")
    expect(similar).to_contain_text("Predator")
    rating = page.get_by_label("Your rating")
    expect(rating).to_have_value("")  # nothing chosen for the user
    page.screenshot(path=str(SCREENSHOTS / "item.png"), full_page=True)
    page.get_by_role("button", name="Rate", exact=True).click()  # the browser asks for a choice first
    assert rating.evaluate("select => select.validity.valueMissing")
    expect(page.get_by_text("You rated")).to_have_count(0)

    for button, given in (
        ("Like", "You like it."),
        ("Dislike", "You dislike it"),
        ("Not interested", "Not interested: it is hidden"),
    ):
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.get_by_text(given)).to_be_visible()
        if button != "Like":
            expect(page.locator(".why")).to_have_count(0)  # hidden from their lists: no reason to show
        page.get_by_role("button", name=f"Undo {button.lower()}").click()
        expect(page.get_by_text("Undone:")).to_be_visible()
        expect(page.get_by_role("button", name=button, exact=True)).to_be_visible()
        expect(page.get_by_text(given)).to_have_count(0)
    expect(page.locator(".why .reason-text")).to_contain_text("Because you liked Alien", timeout=30_000)

    rating.select_option("4.0")
    page.get_by_role("button", name="Rate", exact=True).click()
    expect(page.get_by_text("You rated Aliens 4.0")).to_be_visible()
    expect(page.get_by_label("Your rating")).to_have_value("4.0")
    similar.get_by_role("link", name="Predator").click()  # similar items lead to their pages
    expect(page.get_by_role("heading", level=1)).to_contain_text("Predator")

    page.get_by_role("link", name="My ratings").click()
    expect_visible_images_loaded(page)
    page.get_by_role("button", name="Remove my rating of Aliens").click()
    expect(page.get_by_text("Your rating of Aliens is removed.")).to_be_visible()
    assert page.url == f"{live_server.url}/me/ratings/"  # back to the list, not the item page
    expect(page.get_by_role("heading", name="My ratings")).to_be_visible()
    expect(page.get_by_text("1 rating", exact=True)).to_be_visible()  # Alien's is left

    page.goto(f"{live_server.url}/?q=sci-fi&mode=new")
    page.locator(".cards .card a.title", has_text=re.compile(r"^Aliens$")).click()  # from the results
    expect(page.get_by_role("heading", name=re.compile(r"^Why it was recommended for “sci-fi"))).to_be_visible()
    expect(page.locator(".why .reason-text")).to_contain_text("Sci-Fi", timeout=30_000)  # the request's reason
    assert console_errors == []


def test_the_readme_shows_a_current_set_of_screenshots():
    """docs/screenshots/ holds the set the README shows (copied from var/screenshots/ after a run)."""
    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "README.md").read_text()
    for name in README_SCREENSHOTS:
        assert (repo / "docs" / "screenshots" / name).stat().st_size > 10_000
        assert f"docs/screenshots/{name}" in readme

"""{% load catalog_extras %}: titles in reading order and cover images, on every page that lists items."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from tests.factories import CategoryFactory, ItemFactory

pytestmark = pytest.mark.django_db


def render(text: str, **context) -> str:
    return Template("{% load catalog_extras %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("title", "shown"),
    [
        ("Shawshank Redemption, The", "The Shawshank Redemption"),
        ("Misérables, Les", "Les Misérables"),
        ("Heat", "Heat"),
        ("Tom & Jerry, The", "The Tom &amp; Jerry"),  # still escaped
        (None, ""),
    ],
)
def test_reading_title(title, shown):
    assert render("{{ title|reading_title }}", title=title) == shown


def test_item_cover_is_a_decorative_lazy_sized_image():
    item = ItemFactory(title="Alien", categories=[CategoryFactory(name="Horror", slug="horror")])

    card = render("{% item_cover item %}", item=item)
    large = render('{% item_cover item "large" %}', item=item)

    assert card.startswith('<img class="cover cover-card" src="/covers/')
    assert 'alt="" width="96" height="144" loading="lazy"' in card
    assert 'width="200" height="300"' in large


def test_the_catalogue_shows_covers_and_titles_in_reading_order(client, django_assert_max_num_queries):
    drama = CategoryFactory(name="Drama", slug="drama")
    for n in range(30):
        ItemFactory(title=f"Film {n:02}, The", categories=[drama])

    with django_assert_max_num_queries(5):  # covers' URLs come from the categories already prefetched
        page = client.get(reverse("catalog:item-list")).content.decode()

    assert page.count('<img class="cover cover-card"') == 24
    assert '<a class="title" href="/items/' in page
    assert "The Film 00" in page
    assert "Film 00, The" not in page

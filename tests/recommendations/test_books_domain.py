"""Another catalogue, understood with no code change: books with their own subjects and tags, a domain
TOML (tests/recommendations/data/books.toml) named by RECSITE_DOMAIN, and an alias staff added."""

from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import CategoryAlias
from recommendations.selectors import recommendations_for_user
from recommendations.services.embeddings import item_embeddings_refresh
from recommendations.services.training import model_train
from tests.factories import CategoryFactory, ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db

BOOKS = [  # title, year, subject, keywords
    ("Hobbit, The", 1937, "Fantasy", "Tolkien, dragons, quest"),
    ("Murder of Roger Ackroyd, The", 1926, "Mystery", "Agatha Christie, Poirot, village"),
    ("And Then There Were None", 1939, "Mystery", "Agatha Christie, island"),
    ("Dune", 1965, "Science Fiction", "Frank Herbert, desert, politics"),
    ("Foundation", 1951, "Science Fiction", "Isaac Asimov, galactic empire"),
    ("Shining, The", 1977, "Horror", "Stephen King, hotel, winter"),
    ("It", 1986, "Horror", "Stephen King, clowns, small town"),
    ("Emma", 1815, "Romance", "Jane Austen, matchmaking"),
    ("Name of the Wind, The", 2007, "Fantasy", "wizards, university"),
]


@pytest.fixture
def bookshop(settings, clean_cache):
    settings.RECSITE_DOMAIN = str(Path(__file__).parent / "data" / "books.toml")
    subjects = {name: CategoryFactory(name=name, slug=name.lower().replace(" ", "-")) for _, _, name, _ in BOOKS}
    books = {
        title: ItemFactory(title=title, year=year, keywords=keywords, categories=[subjects[subject]])
        for title, year, subject, keywords in BOOKS
    }
    CategoryAlias.objects.create(category=subjects["Science Fiction"], phrase="spacefaring")  # staff's word
    for n, group in enumerate([BOOKS[:3], BOOKS[3:6], BOOKS[5:]]):
        for reader in range(3):
            user = UserFactory(username=f"reader-{n}-{reader}")
            for title, *_ in group:
                RatingFactory(user=user, item=books[title], value=Decimal("4.5"))
    model_train()
    item_embeddings_refresh()
    return books


def ask(text, n=3):
    return recommendations_for_user(user=None, n=n, intent=text)


def titles(result):
    return [r.item.title for r in result]


def test_subjects_by_the_domains_synonyms_and_tags_by_full_text(bookshop):
    result = ask("a cozy whodunit by Agatha Christie", n=2)

    assert result.intent.categories == ("Mystery",)
    assert [k.phrase for k in result.intent.keywords] == ["agatha christie"]
    assert set(titles(result)) == {"Murder of Roger Ackroyd, The", "And Then There Were None"}
    assert result.intent.unmatched == ()


def test_a_title_named_anchors_and_book_words_are_no_constraint(bookshop):
    result = ask("novels like The Hobbit")

    assert [a.label for a in result.intent.anchors] == ["The Hobbit"]
    assert "Hobbit, The" not in titles(result)
    assert result.intent.unmatched == ()  # "novels" is a word for an item in this domain


def test_an_alias_staff_added_and_an_exclusion(bookshop):
    result = ask("spacefaring adventures, nothing scary", n=2)

    assert result.intent.categories == ("Science Fiction",)
    assert result.intent.excluded == ("Horror",)
    assert set(titles(result)) == {"Dune", "Foundation"}


def test_people_years_and_words_nothing_knows(bookshop):
    result = ask("Stephen King books from the 80s, something flurbish", n=1)

    assert [k.phrase for k in result.intent.keywords] == ["stephen king"]
    assert (result.intent.year_min, result.intent.year_max) == (1980, 1989)
    assert titles(result) == ["It"]
    assert result.intent.unmatched == ("flurbish",)

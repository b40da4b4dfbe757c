"""Titles as people read them ("The Shawshank Redemption"), and as the catalogue search compares them."""

import pytest

from language.domain import domain_load
from language.titles import search_key

MOVIES = domain_load("movies")


@pytest.mark.parametrize(
    ("catalogue", "reading"),
    [
        ("Shawshank Redemption, The", "The Shawshank Redemption"),
        ("Bug's Life, A", "A Bug's Life"),
        ("Misérables, Les", "Les Misérables"),
        ("Avventura, L'", "L'Avventura"),
        ("Boot, Das", "Das Boot"),
        (
            "City of Lost Children, The (Cité des enfants perdus, La)",
            "The City of Lost Children (Cité des enfants perdus, La)",
        ),
        ("Heat", "Heat"),
        ("Truth or Dare, A Game", "Truth or Dare, A Game"),  # not a trailing article
    ],
)
def test_catalogue_titles_read_in_order(catalogue, reading):
    assert MOVIES.natural_title(catalogue) == reading


@pytest.mark.parametrize(
    ("text", "without"),
    [
        ("the shawshank", "shawshank"),
        ("Shawshank Redemption, The", "Shawshank Redemption"),
        ("L'Avventura", "Avventura"),
        ("A.I. Artificial Intelligence", "A.I. Artificial Intelligence"),  # "A." is no article
        ("Theory of Everything", "Theory of Everything"),
        ("The", "The"),  # nothing would be left
    ],
)
def test_a_leading_article_is_left_out_for_search(text, without):
    assert MOVIES.without_article(text) == without


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Amélie", "amelie"),
        ("AMÉLIE", "amelie"),
        ("Schindler's List", "schindlers list"),
        ("Law & Order", "law and order"),
        ("Bjørn Borg vs. McEnroe", "bjorn borg vs mcenroe"),
        ("Straße", "strasse"),
        ("Star Wars: Episode IV - A New Hope", "star wars episode iv a new hope"),
        ("  ", ""),
    ],
)
def test_search_keys_fold_case_accents_and_punctuation(text, key):
    assert search_key(text) == key

"""The request parser on many phrasings; names, synonyms and near-misses need no encoder."""

import pytest

from language.domain import domain_load
from language.intent import IntentParser

MOVIELENS = [
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
    "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
]  # fmt: skip

MOVIES = domain_load("movies")


@pytest.fixture(scope="module")
def parser():
    return IntentParser(MOVIELENS, current_year=2018, domain=MOVIES)


@pytest.mark.parametrize(
    ("request_text", "categories", "excluded", "years"),
    [
        ("I want a light-hearted sci-fi movie from the 90s, nothing scary", ["Sci-Fi"], ["Horror"], (1990, 1999)),
        ("a funny animated movie for kids", ["Comedy", "Animation", "Children"], [], (None, None)),
        ("not animated, something from the 1980s", [], ["Animation"], (1980, 1989)),
        ("a comedy without romance", ["Comedy"], ["Romance"], (None, None)),
        ("war films after 2010", ["War"], [], (2011, None)),
        ("since 2005, a thriller", ["Thriller"], [], (2005, None)),
        ("recent horror", ["Horror"], [], (2014, None)),
        ("a classic western", ["Western"], [], (None, 1979)),
        ("early 2000s thriller but no horror or gore", ["Thriller"], ["Horror"], (2000, 2003)),
        ("late eighties action, no drama", ["Action"], ["Drama"], (1986, 1989)),
        ("mid-70s crime", ["Crime"], [], (1973, 1976)),
        ("comdy from 1994", ["Comedy"], [], (1994, 1994)),
        ("a scifi flick set in space", ["Sci-Fi"], [], (None, None)),
        ("science fiction between 1977 and 1985", ["Sci-Fi"], [], (1977, 1985)),
        ("something released before 1960", [], [], (None, 1959)),
        ("a romcom", ["Romance", "Comedy"], [], (None, None)),
        ("documentaries from 2000 to 2010", ["Documentary"], [], (2000, 2010)),
        ("a musical, nothing with zombies", ["Musical"], ["Horror"], (None, None)),
        ("I don't want anything scary", [], ["Horror"], (None, None)),
        ("movies that are not too scary for kids", ["Children"], ["Horror"], (None, None)),
        ("a detective story from the fifties", ["Mystery"], [], (1950, 1959)),
        ("animted fantasy", ["Animation", "Fantasy"], [], (None, None)),
        ("a heist movie that isn't violent", ["Crime"], [], (None, None)),
        ("something uplifting", [], [], (None, None)),
        ("80s or 90s action", ["Action"], [], (1980, 1999)),
        ("from the sixties to the eighties", [], [], (1960, 1989)),
        ("sci-fi, but nothing from before 2000", ["Sci-Fi"], [], (2000, None)),
        ("Westerns, but not too old", ["Western"], [], (1980, None)),
        ("any war movie except ww2", ["War"], [], (None, None)),  # asked for wins over refused
        ("Something funny but not for kids", ["Comedy"], ["Children"], (None, None)),
    ],
)
def test_requests_are_understood(parser, request_text, categories, excluded, years):
    parsed = parser.parse(request_text)

    assert sorted(parsed.categories) == sorted(categories)
    assert sorted(parsed.excluded) == sorted(excluded)
    assert (parsed.year_min, parsed.year_max) == years


def test_negated_words_stay_out_of_the_similarity_text(parser):
    parsed = parser.parse("a light-hearted sci-fi film, nothing scary, from the 90s")
    assert "scary" not in parsed.residual
    assert "light-hearted" in parsed.residual
    assert "90s" not in parsed.residual


def test_summary_line(parser):
    parsed = parser.parse("I want a light-hearted sci-fi movie from the 90s, nothing scary")
    assert parsed.describe() == "Sci-Fi · 1990-1999 · not Horror"
    assert parser.parse("war films after 2010").describe() == "War · from 2011"
    assert parser.parse("westerns until 1970").describe() == "Western · until 1970"
    assert parser.parse("a film from 1994").describe() == "1994"
    assert parser.parse("a film from 1994").as_dict()["summary"] == "1994"


def test_only_the_catalogues_own_categories_are_used():
    parser = IntentParser(["Drama", "Science Fiction"], current_year=2020, domain=MOVIES)

    parsed = parser.parse("science fiction, no horror, maybe drama")

    assert parsed.categories == ("Science Fiction", "Drama")
    assert parsed.excluded == ()  # the catalogue has no horror category to exclude


@pytest.mark.parametrize(("text", "message"), [("", "empty"), ("   \n", "empty"), ("x" * 501, "longer than 500")])
def test_empty_and_overlong_requests_are_refused(parser, text, message):
    with pytest.raises(ValueError, match=message):
        parser.parse(text)

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


# --- titles, keywords, words not understood (a title index and a keyword matcher given) ---------------
TAGS = {  # phrase -> the field items mention it in: what the database's full-text search would answer
    "tom hanks": "keywords", "new york": "keywords", "dark": "keywords", "stephen king": "keywords",
    "sequels": "keywords", "violent": "keywords", "time travel": "keywords", "love": "title",
}  # fmt: skip


@pytest.fixture(scope="module")
def full_parser():
    from language.titles import TitleEntry, TitleIndex

    titles = TitleIndex(
        [TitleEntry(1, "Toy Story", 1995), TitleEntry(2, "Dark Knight, The", 2008), TitleEntry(3, "Heat", 1995),
         TitleEntry(4, "Alien", 1979), TitleEntry(5, "Alien", 2019)]
    )  # fmt: skip
    asked = []

    def match_keywords(phrases):
        asked.append(list(phrases))
        return {phrase: TAGS[phrase] for phrase in phrases if phrase in TAGS}

    parser = IntentParser(MOVIELENS, current_year=2018, domain=MOVIES, titles=titles, match_keywords=match_keywords)
    parser.asked = asked
    return parser


@pytest.mark.parametrize(
    ("request_text", "anchors", "categories", "keywords", "unmatched"),
    [
        ("something like Toy Story", [(1, "Toy Story")], [], [], []),
        ("similar to toy storry", [(1, "Toy Story")], [], [], []),
        ("in the vein of Alien 2019", [(5, "Alien")], [], [], []),
        ("like The Dark Knight but funnier", [(2, "The Dark Knight")], ["Comedy"], [], []),
        ("movies with Tom Hanks", [], [], ["tom hanks"], []),
        ("a romantic comedy set in New York", [], ["Romance", "Comedy"], ["new york"], []),
        ("dark sci-fi", [], ["Sci-Fi"], ["dark"], []),
        ("stephen king horror from the 80s", [], ["Horror"], ["stephen king"], []),
        ("flurbish movies", [], [], [], ["flurbish"]),
        ("a zorbly comedy with glimmertrax", [], ["Comedy"], [], ["zorbly", "glimmertrax"]),
        ("I'd like a comedy", [], ["Comedy"], [], []),
    ],
)
def test_titles_keywords_and_what_was_not_understood(
    full_parser, request_text, anchors, categories, keywords, unmatched
):
    parsed = full_parser.parse(request_text)

    assert [(a.item_id, a.label) for a in parsed.anchors] == anchors
    assert sorted(parsed.categories) == sorted(categories)
    assert [k.phrase for k in parsed.keywords] == keywords
    assert list(parsed.unmatched) == unmatched


def test_a_year_after_a_title_picks_the_title_and_is_no_year_constraint(full_parser):
    parsed = full_parser.parse("like Alien 1979")
    assert [a.item_id for a in parsed.anchors] == [4]
    assert (parsed.year_min, parsed.year_max) == (None, None)


def test_refused_words_the_catalogue_knows_are_avoided(full_parser):
    parsed = full_parser.parse("a comedy, no sequels and nothing violent")
    assert parsed.categories == ("Comedy",)
    assert [k.phrase for k in parsed.avoided] == ["sequels", "violent"]
    assert parsed.keywords == ()
    assert parsed.describe() == "Comedy · not: sequels · not: violent"


def test_the_longest_phrase_wins_and_its_words_are_not_looked_up_alone(full_parser):
    parsed = full_parser.parse("movies with tom hanks")
    assert [k.phrase for k in parsed.keywords] == ["tom hanks"]
    assert any("tom hanks" in phrases for phrases in full_parser.asked)  # one call with every candidate


def test_follow_up_references_and_relative_years(full_parser):
    assert full_parser.parse("more like the second one").references == (2,)
    assert full_parser.parse("number 3 please").references == (3,)
    assert full_parser.parse("the last one").references == (-1,)
    older = full_parser.parse("only older ones")
    assert older.relative == "older"
    assert full_parser.parse("older than 1990").relative == ""  # a year given: not relative


def test_chips_remove_one_constraint_at_a_time(full_parser):
    parsed = full_parser.parse("like Heat, a comedy from the 90s with Tom Hanks, no horror")
    keys = [chip.key for chip in parsed.chips()]
    assert keys == ["anchor:3", "category:Comedy", "years", "keyword:tom hanks", "excluded:Horror"]
    assert parsed.without("years").year_min is None
    assert parsed.without("anchor:3").anchors == ()
    assert parsed.without("keyword:tom hanks").keywords == ()
    assert parsed.without("category:Comedy").categories == ()
    assert parsed.without("excluded:Horror").excluded == ()
    with pytest.raises(KeyError):
        parsed.without("category:Western")


def test_a_parsed_request_round_trips_through_its_dict(full_parser):
    from language.parsed import ParsedIntent

    parsed = full_parser.parse("like Heat, a comedy from the 90s with Tom Hanks, no sequels")
    again = ParsedIntent.from_dict(parsed.as_dict())
    assert again == parsed.__class__(**{**again.__dict__})  # a plain dataclass, every field restored
    assert again.describe() == parsed.describe()
    assert again.anchors == parsed.anchors
    assert again.avoided == parsed.avoided


def test_older_or_newer_than_a_title_named(full_parser):
    parsed = full_parser.parse("something like The Dark Knight but older")
    assert (parsed.year_min, parsed.year_max, parsed.relative) == (None, 2007, "")
    parsed = full_parser.parse("like Heat, only newer")
    assert (parsed.year_min, parsed.year_max) == (1996, None)
    assert parsed.unmatched == ()


def test_the_encoder_cost_of_a_request_is_bounded():
    """A 490-character request of random words: one text of at most MAX_ENCODED_WORDS words for the vector,
    at most MAX_SIMILARITY_WORDS single words in a batch of their own (never one padded batch of both)."""
    import random

    import numpy as np

    from language.intent import MAX_ENCODED_WORDS, MAX_SIMILARITY_WORDS

    batches = []

    def encode(texts):
        batches.append(list(texts))
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    parser = IntentParser(MOVIELENS, current_year=2018, domain=MOVIES, encode=encode)
    batches.clear()  # the category names, encoded once when the parser is built
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9))) for _ in range(60)]
    request = " ".join(words)[:490]

    parsed = parser.parse(request)

    assert len(batches) == 2
    assert len(batches[0]) == 1
    assert len(batches[0][0].split()) <= MAX_ENCODED_WORDS
    assert len(batches[1]) <= MAX_SIMILARITY_WORDS
    assert len(parsed.unmatched) > MAX_SIMILARITY_WORDS  # every word not understood is still reported


def test_a_catalogue_without_categories_still_parses_requests():
    import numpy as np

    def encode(texts):
        return np.ones((len(texts), 4), dtype=np.float32) / 2

    parser = IntentParser([], current_year=2018, domain=MOVIES, encode=encode)
    parsed = parser.parse("a funny flurbish film from the 90s")
    assert parsed.categories == ()
    assert (parsed.year_min, parsed.year_max) == (1990, 1999)

"""Follow-up turns refine the request before them."""

from language.conversation import refine
from language.parsed import Anchor, Keyword, ParsedIntent

HEAT = Anchor(item_id=3, title="Heat", year=1995, label="Heat")
RONIN = Anchor(item_id=12, title="Ronin", year=1998, label="Ronin")


def turn(**fields) -> ParsedIntent:
    return ParsedIntent(text=fields.pop("text", "follow-up"), **fields)


def test_a_follow_up_adds_to_what_was_asked():
    first = turn(text="like Heat", anchors=(HEAT,), categories=("Crime",), residual="gritty")
    merged = refine(first, turn(text="funnier", categories=("Comedy",), residual="light"))

    assert merged.anchors == (HEAT,)
    assert merged.categories == ("Crime", "Comedy")
    assert merged.residual == "gritty light"
    assert merged.text == "funnier"
    assert merged.vector is None  # the caller embeds the joined words


def test_refusing_a_category_named_before_takes_it_out():
    merged = refine(turn(categories=("Comedy", "Romance")), turn(excluded=("Romance",)))
    assert merged.categories == ("Comedy",)
    assert merged.excluded == ("Romance",)


def test_older_ones_are_older_than_the_list_shown():
    merged = refine(turn(year_min=2000), turn(relative="older", year_max=1979), shown_years=[1999, 2000, 2003])
    assert (merged.year_min, merged.year_max) == (None, 1999)  # before the median; the old minimum no longer fits
    newer = refine(turn(), turn(relative="newer"), shown_years=[1980, 1990, 2000])
    assert (newer.year_min, newer.year_max) == (1991, None)


def test_a_turns_own_years_replace_the_earlier_ones():
    merged = refine(turn(year_min=1990, year_max=1999), turn(year_min=2000, year_max=2009))
    assert (merged.year_min, merged.year_max) == (2000, 2009)


def test_more_like_an_item_shown_replaces_the_anchor():
    merged = refine(turn(anchors=(HEAT,)), turn(references=(2,)), referenced=[RONIN])
    assert merged.anchors == (RONIN,)
    assert merged.references == ()


def test_refused_words_accumulate_and_leave_the_keywords():
    first = turn(keywords=(Keyword("sequel", "keywords"), Keyword("tom hanks", "keywords")))
    merged = refine(first, turn(avoided=(Keyword("sequel", "keywords"),)))
    assert [k.phrase for k in merged.keywords] == ["tom hanks"]
    assert [k.phrase for k in merged.avoided] == ["sequel"]

"""What a reason may say an item fits: only the constraints it meets."""

from language.parsed import Anchor, Keyword, ParsedIntent

REQUEST = ParsedIntent(
    text="like Heat, a funny crime film from the 90s with Al Pacino, no horror, no sequels",
    categories=("Comedy", "Crime"),
    excluded=("Horror",),
    year_min=1990,
    year_max=1999,
    anchors=(Anchor(item_id=6, title="Heat", year=1995, label="Heat"),),
    keywords=(Keyword("al pacino", "keywords", "Al Pacino"),),
    avoided=(Keyword("sequels", "keywords"),),
)


def test_an_item_meeting_everything_fits_all_of_the_request():
    met = REQUEST.met_by(categories={"Comedy", "Crime"}, year=1994, mentions=lambda phrase: phrase == "al pacino")
    assert met.describe() == REQUEST.describe()


def test_an_item_shown_after_a_relaxation_fits_only_what_it_meets():
    met = REQUEST.met_by(categories={"Crime", "Horror"}, year=2004, mentions=lambda phrase: phrase == "sequels")
    assert met.describe() == "like Heat · Crime"
    assert met.excluded == ()
    assert met.avoided == ()
    assert met.keywords == ()

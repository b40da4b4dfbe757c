"""The independent claim audit: what a reason says that its facts do not, by matching of its own."""

from language.audit import title_patterns, unsupported_claims
from language.domain import domain_load
from language.prompts import ReasonFacts

MOVIES = domain_load("movies")
HEAT = ReasonFacts("Heat", 1995, ("Action", "Crime"), tags=("heist",), evidence_titles=("Casino",))
TITLES = title_patterns(["Heat", "Casino", "Toy Story", "American President, The"], domain=MOVIES)


def test_a_reason_that_keeps_to_its_facts_has_no_claims():
    assert unsupported_claims("Because you liked Casino, Heat is a 1995 crime heist film.", HEAT, TITLES,
                              domain=MOVIES) == []  # fmt: skip


def test_another_year_a_missing_genre_another_title_and_an_untraced_word_are_claims():
    claims = unsupported_claims(
        "Heat is a 2013 romantic thriller, like Toy Story and The American President, by Disney.", HEAT, TITLES,
        domain=MOVIES,
    )  # fmt: skip

    assert "year 2013" in claims
    assert "genre Romance ('romantic')" in claims
    assert "genre Thriller ('thriller')" in claims
    assert len([claim for claim in claims if claim.startswith("title ")]) == 2  # Toy Story, The American President
    assert "word 'disney'" in claims

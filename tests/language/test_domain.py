"""A second catalogue domain is a TOML file: the parser, the prompts, the template and the guard speak
its words with no change to their code."""

import pytest

from language.domain import Domain, DomainError, domain_load
from language.guard import ReasonGuard
from language.intent import IntentParser
from language.prompts import ReasonFacts, completion_prompt, template_reason

BOOKS = Domain.from_toml(
    """
name = "books"
[item]
noun = "book"
kind = "novel"
plural = "books"
words = ["book", "books", "novel", "novels", "read"]
series_words = ["book", "novel", "sequel", "trilogy"]
[categories]
label = "Subjects"
[titles]
trailing_articles = ["The", "Der"]
[synonyms]
humour = ["funny", "witty"]
fantasy = ["dragons", "wizards"]
[descriptions]
fantasy = ["fantasy", "magical"]
[[examples]]
title = "Good Omens"
year = 1990
categories = ["Fantasy", "Humour"]
liked = ["Mort"]
reason = "Good Omens is a witty fantasy for someone who liked Mort."
"""
)
SUBJECTS = ["Fantasy", "Humour", "History"]


def test_requests_are_parsed_in_the_domains_words():
    parser = IntentParser(SUBJECTS, current_year=2020, domain=BOOKS)

    parsed = parser.parse("a witty novel with dragons, no history")

    assert parsed.categories == ("Humour", "Fantasy")
    assert parsed.excluded == ("History",)
    assert "novel" not in parsed.residual  # a word for an item, not something asked for


def test_prompts_and_templates_use_its_labels_examples_and_titles():
    facts = ReasonFacts(title="Hobbit, The", year=1937, categories=("Fantasy",), evidence_titles=("Mort",))

    prompt = completion_prompt(facts, domain=BOOKS, strict=True)

    assert "Book: Good Omens\nYear: 1990\nSubjects: Fantasy, Humour" in prompt
    assert "Use only the book, year, subjects and liked titles given." in prompt
    assert prompt.endswith("Reason: The Hobbit")
    assert "Movie" not in prompt
    assert template_reason(facts, domain=BOOKS) == "Because you liked Mort: a 1937 Fantasy novel."


def test_the_guard_refuses_its_labels_and_its_synonyms_for_categories_the_item_lacks():
    guard = ReasonGuard(SUBJECTS, titles=["Mort", "Hobbit, The"], domain=BOOKS)
    facts = ReasonFacts(title="Hobbit, The", year=1937, categories=("Fantasy",), evidence_titles=("Mort",))

    assert guard.check("The Hobbit is a magical fantasy, like Mort.", facts).ok
    assert not guard.check("The Hobbit is a fantasy with dragons.", facts).ok  # asked-for words, not facts
    assert not guard.check("The Hobbit is a witty fantasy.", facts).ok  # Humour, which it is not
    assert not guard.check("The Hobbit is a good read. Subjects: Fantasy", facts).ok


def test_staff_aliases_add_to_the_domains_synonyms():
    parser = IntentParser(SUBJECTS, current_year=2020, domain=BOOKS, aliases={"sword and sorcery": "Fantasy"})

    assert parser.parse("some sword and sorcery").categories == ("Fantasy",)


def test_a_domain_file_with_a_missing_part_or_an_unknown_name_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "x"\n[item]\nnoun = "x"\n')

    with pytest.raises(DomainError, match="missing 'kind'"):
        domain_load(str(broken))
    with pytest.raises(DomainError, match="no domain 'nope'"):
        domain_load("nope")
    assert domain_load("movies").natural_title("Matrix, The") == "The Matrix"

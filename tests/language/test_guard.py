"""The reason guard on crafted good and bad texts, and the template that must always pass it."""

import random

import pytest

from datasets.importers import read_dataset
from language.domain import domain_load
from language.guard import ReasonGuard
from language.prompts import PROMPT_VERSION, ReasonFacts, completion_prompt, template_reason
from tests.language.test_intent import MOVIELENS

GALAXY_QUEST = ReasonFacts(
    title="Galaxy Quest",
    year=1999,
    categories=("Adventure", "Comedy", "Sci-Fi"),
    tags=("spoof",),
    evidence_titles=("Men in Black", "Star Trek: First Contact"),
)

MOVIES = domain_load("movies")


TITLES = ["Galaxy Quest", "Men in Black", "Star Trek: First Contact", "Batman", "Matrix, The", "Heat", "Alien"]


@pytest.fixture(scope="module")
def guard():
    return ReasonGuard(MOVIELENS, titles=TITLES, domain=MOVIES)


@pytest.mark.parametrize(
    "text",
    [
        "Galaxy Quest is a fun sci-fi adventure with plenty of comedy.",
        "A sci-fi comedy from the 90s, like Men in Black.",
        "Because you liked Star Trek: First Contact, this 1999 sci-fi comedy should appeal.",
        "A spoof of sci-fi adventures, with plenty of comedy.",
    ],
)
def test_grounded_reasons_pass(guard, text):
    verdict = guard.check(text, GALAXY_QUEST, prompt=completion_prompt(GALAXY_QUEST, domain=MOVIES))
    assert verdict.ok, str(verdict)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Galaxy Quest is a 2013 comedy about space.", "year 2013 is not the item's"),
        ("A sci-fi comedy from the 1980s.", "the 1980s are not the item's decade"),
        ("A sci-fi comedy from the '70s.", "the '70s are not the item's decade"),
        ("A romantic sci-fi comedy.", "calls it 'romantic' but it is not Romance"),
        ("A tense crime thriller in space.", "calls it 'crime' but it is not Crime"),
        ("Starring Tim Allen, a funny space adventure.", "names 'Tim'"),
        ("Galaxy Quest is a Disney comedy about space.", "names 'Disney'"),
        ("If you liked The Matrix Reloaded you will like this.", "names 'The Matrix Reloaded'"),
        ("Fun.", "length 4 outside"),
        ("Galaxy Quest, Men in Black.", "says next to nothing beyond the titles"),
        ("A comedy. " * 40, "outside 20-240"),
        ("space comedy space comedy space comedy for you", "repeats itself"),
        ("A comedy comedy about space.", "repeats a word"),
        ("Movie: Galaxy Quest Genres: Comedy", "echoes the prompt"),
        ("Toy Story is the funny animated film you asked for, in the spirit of Aladdin.", "echoes the prompt"),
        ("One. Two sentences. Three sentences here.", "more than two sentences"),
        ("Galaxy Quest is a fun, action-packed comedy.", "calls it 'action' but it is not Action"),
        ("A comedy-drama set in space.", "calls it 'drama' but it is not Drama"),
        ("Batman is a great character.", "names the title 'Batman'"),
        ("Much like The Matrix, a fun space comedy.", "names the title 'The Matrix'"),
        ("Men in Black is a fun sci-fi comedy.", "describes 'Men in Black', which the user liked"),
        ("Galaxy Quest is another Men in Black movie.", "makes the item a 'Men in Black' film"),
    ],
)
def test_unsupported_or_broken_reasons_are_rejected_with_the_reason(guard, text, problem):
    verdict = guard.check(text, GALAXY_QUEST, prompt=completion_prompt(GALAXY_QUEST, domain=MOVIES))

    assert not verdict.ok
    assert any(problem in found for found in verdict.problems), verdict.problems


def test_a_titles_words_written_outside_it_are_claims_of_their_own(guard):
    cats_and_dogs = ReasonFacts(title="Truth About Cats & Dogs, The", year=1996, categories=("Comedy", "Romance"))

    named = guard.check("The Truth About Cats & Dogs is a romantic comedy from 1996.", cats_and_dogs)
    about = guard.check("The Truth About Cats & Dogs is a comedy about a cat and a dog.", cats_and_dogs)
    liked = guard.check("A sci-fi comedy about men in black suits.", GALAXY_QUEST)

    assert named.ok, str(named)
    assert not about.ok
    assert {"says 'cat', which no fact holds", "says 'dog', which no fact holds"} <= set(about.problems)
    assert not liked.ok  # "men" and "black" come from the liked title Men in Black, not from this item


def test_a_catalogue_without_categories_checks_everything_but_genres():
    """Found by the Redis fault run: with no category names the genre pattern matched the empty string."""
    guard = ReasonGuard([], titles=["Film 1", "Film 2"], domain=MOVIES)
    facts = ReasonFacts(title="Film 1", year=1991, categories=(), tags=(), evidence_titles=("Film 2",))

    assert guard.check("Film 1 is a fine pick that fans of Film 2 will enjoy.", facts).ok
    assert guard.check("Film 1 is a fine pick from 1975 for fans of Film 2.", facts).problems == (
        "year 1975 is not the item's",
    )


def test_liked_titles_may_be_named_in_reading_order(guard):
    facts = ReasonFacts(
        title="Galaxy Quest", year=1999, categories=("Comedy", "Sci-Fi"), evidence_titles=("Matrix, The",)
    )
    assert guard.check("Galaxy Quest is a sci-fi comedy for fans of The Matrix.", facts).ok
    assert guard.check("Heat is a tense thriller.", GALAXY_QUEST).problems == (
        "calls it 'tense' but it is not Thriller",
        "calls it 'thriller' but it is not Thriller",
        "names the title 'Heat', which we did not give",
    )


def test_years_inside_the_titles_we_gave_are_not_claims(guard):
    facts = ReasonFacts(title="2001: A Space Odyssey", year=1968, categories=("Adventure", "Drama", "Sci-Fi"))
    assert guard.check("2001: A Space Odyssey is a 1968 sci-fi drama.", facts).ok


def test_the_template_names_the_liked_items_and_only_the_facts():
    assert template_reason(GALAXY_QUEST, domain=MOVIES) == (
        "Because you liked Men in Black and Star Trek: First Contact: a 1999 Adventure, Comedy, Sci-Fi film."
    )
    liked_the_matrix = ReasonFacts(title="Heat", year=1995, categories=("Crime",), evidence_titles=("Matrix, The",))
    assert template_reason(liked_the_matrix, domain=MOVIES) == "Because you liked The Matrix: a 1995 Crime film."
    alone = ReasonFacts(title="Alien", year=1979, categories=("Horror", "Sci-Fi"))
    assert template_reason(alone, domain=MOVIES) == "Alien is a 1979 Horror, Sci-Fi film many people rate highly."
    asked = ReasonFacts(title="Aliens", year=None, categories=("Action",), intent="Action · not Horror")
    assert (
        template_reason(asked, domain=MOVIES)
        == "Aliens is an Action film that fits your request (Action · not Horror)."
    )


def test_the_template_passes_the_guard_for_every_movielens_item(ml_latest_small):
    items = read_dataset(ml_latest_small).items
    guard = ReasonGuard(
        sorted({name for item in items for name in item.categories}), titles=[i.title for i in items], domain=MOVIES
    )
    rng = random.Random(0)

    failures = []
    for item in items:
        liked = tuple(other.title for other in rng.sample(items, 2))
        for facts in (
            ReasonFacts(title=item.title, year=item.year, categories=item.categories, evidence_titles=liked),
            ReasonFacts(title=item.title, year=item.year, categories=item.categories, intent="Drama · 1990-1999"),
        ):
            verdict = guard.check(template_reason(facts, domain=MOVIES), facts)
            if not verdict.ok:
                failures.append((template_reason(facts, domain=MOVIES), str(verdict)))

    assert failures == []


def test_the_prompt_holds_the_facts_and_leaves_the_reason_open():
    prompt = completion_prompt(GALAXY_QUEST, domain=MOVIES)
    strict = completion_prompt(GALAXY_QUEST, strict=True, domain=MOVIES)

    assert prompt.endswith(
        "Movie: Galaxy Quest\nYear: 1999\nGenres: Adventure, Comedy, Sci-Fi\nTags: spoof\n"
        "Liked: Men in Black, Star Trek: First Contact\nReason:"
    )
    assert prompt.count("Reason:") == len(MOVIES.examples) + 1 == 3  # the worked examples, then ours
    assert "Use only the movie, year, genres and liked titles given." in strict
    assert strict.endswith("Liked: Men in Black, Star Trek: First Contact\nReason: Galaxy Quest")
    assert PROMPT_VERSION

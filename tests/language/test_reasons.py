"""Writing reasons in batches: candidates per item, the guard decides, the stricter retry, the template
fallback."""

import pytest

from language.domain import domain_load
from language.guard import ReasonGuard
from language.prompts import ReasonFacts, template_reason
from language.reasons import GENERATED, TEMPLATE, write_reasons
from tests.language.test_intent import MOVIELENS

GOOD = "A fun comedy that {title} fans will enjoy."
INVENTED = "A 2013 Disney comedy."
STRICT_GOOD = "is a fun comedy for the whole evening."

MOVIES = domain_load("movies")


def facts(n: int) -> list[ReasonFacts]:
    return [ReasonFacts(title=f"Film {i}", year=1990 + i, categories=("Comedy",)) for i in range(n)]


class ScriptedModel:
    """Stands in for the language model: `good_on` says which attempt (first or strict) writes a grounded
    line for each title, as the free candidate of the first round; a candidate the prompt has begun (the
    linking one) always invents. Records the batches and the vocabularies it was given."""

    def __init__(self, good_on: dict[str, str]):
        self.good_on = good_on
        self.batches: list[list[str]] = []
        self.vocabularies: list[set[str]] = []

    def generate(self, prompts: list[str], *, vocabularies=None, max_new_tokens: int = 48) -> list[str]:
        self.batches.append(prompts)
        self.vocabularies += vocabularies or []
        out = []
        for prompt in prompts:
            title = prompt.rsplit("Movie: ", 1)[1].split("\n", 1)[0]
            opened = not prompt.endswith("Reason:")
            if "Use only" in prompt:  # the strict retry: the prompt has begun the reason with the title
                out.append(STRICT_GOOD if self.good_on.get(title) == "strict" else ", a 2013 Disney comedy.")
            elif opened:
                out.append(", a 2013 Disney comedy.")
            else:
                out.append(GOOD.format(title=title) if self.good_on.get(title) == "first" else INVENTED)
        return out


@pytest.fixture(scope="module")
def guard():
    return ReasonGuard(MOVIELENS, domain=MOVIES)


def test_each_reason_is_generated_retried_or_templated_in_order(guard):
    given = facts(3)
    model = ScriptedModel({"Film 0": "first", "Film 1": "strict"})

    outcomes = write_reasons(given, generate=model.generate, guard=guard, batch_size=8, domain=MOVIES)

    assert [outcome.source for outcome in outcomes] == [GENERATED, GENERATED, TEMPLATE]
    assert [outcome.first_attempt for outcome in outcomes] == [True, False, False]
    assert outcomes[0].text == GOOD.format(title="Film 0")
    assert outcomes[1].text == "Film 1 is a fun comedy for the whole evening."
    assert [rejection.split(":")[0] for rejection in outcomes[1].rejections] == ["first", "first"]
    assert outcomes[2].text == template_reason(given[2], domain=MOVIES)
    assert "year 2013 is not the item's" in outcomes[2].verdict
    assert [rejection.split(":")[0] for rejection in outcomes[2].rejections] == ["first", "first", "strict"]
    # one batch of two candidates for each of three items, then one of the two rejected ones, retried strictly
    assert [len(batch) for batch in model.batches] == [6, 2]
    # every prompt is steered to its item's words: its title, year and categories, and the closed list
    assert {"Film", "1990", "Comedy", "fun", "the"} <= model.vocabularies[0]
    assert "Disney" not in model.vocabularies[0]


def test_batches_hold_at_most_batch_size_items_with_their_candidates(guard):
    model = ScriptedModel({f"Film {i}": "first" for i in range(10)})

    outcomes = write_reasons(facts(10), generate=model.generate, guard=guard, batch_size=4, domain=MOVIES)

    assert [len(batch) for batch in model.batches] == [8, 8, 4]
    assert {outcome.source for outcome in outcomes} == {GENERATED}


def test_the_served_text_always_passes_the_guard(guard):
    given = facts(5)
    outcomes = write_reasons(given, generate=ScriptedModel({}).generate, guard=guard, batch_size=1, domain=MOVIES)

    assert all(guard.check(outcome.text, fact).ok for outcome, fact in zip(outcomes, given, strict=True))


def test_a_batch_size_below_one_is_refused(guard):
    with pytest.raises(ValueError, match="batch_size"):
        write_reasons(facts(1), generate=ScriptedModel({}).generate, guard=guard, batch_size=0, domain=MOVIES)

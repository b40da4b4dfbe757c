"""Writing reasons in batches: several candidates per item (each opening differently), every one steered to
its facts' words and checked by the guard; the best grounded and most informative is served. Items whose
candidates were all rejected get one stricter retry, and the template for what is still rejected. No
Django: the service and the benchmark share it."""

from collections.abc import Callable
from dataclasses import dataclass

from language.domain import Domain
from language.grounding import FUNCTION_WORDS, WORD, allowed_words, fact_words, linked_kinds, trace
from language.guard import ReasonGuard, Verdict
from language.prompts import ReasonFacts, completion_prompt, reason_openings, reason_text, template_reason

GENERATED, TEMPLATE = "generated", "template"
# Enough for two short sentences after an opening; a row that has not ended by then holds up its batch.
MAX_NEW_TOKENS = 40

Generate = Callable[..., list[str]]  # (prompts, *, vocabularies) -> one line per prompt


@dataclass(frozen=True)
class ReasonOutcome:
    text: str
    source: str  # GENERATED or TEMPLATE
    rejections: tuple[str, ...] = ()  # "first: <why>", "strict: <why>", for each candidate the guard refused
    first_attempt: bool = False  # served from the first round of candidates (others of it may be refused)

    @property
    def verdict(self) -> str:
        return "; ".join(self.rejections)


def write_reasons(
    facts: list[ReasonFacts],
    *,
    generate: Generate,
    guard: ReasonGuard,
    domain: Domain,
    batch_size: int = 8,
) -> list[ReasonOutcome]:
    """One outcome per facts, in order. `generate(prompts, vocabularies=...)` continues a batch of prompts
    (one line each); `batch_size` items go into one call, with all their candidates."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    chosen: dict[int, str] = {}
    first: set[int] = set()
    rejections: dict[int, list[str]] = {index: [] for index in range(len(facts))}
    for strict in (False, True):
        todo = [index for index in range(len(facts)) if index not in chosen]
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            attempts = [
                (index, opening)
                for index in batch
                for opening in ((domain.natural_title(facts[index].title),) if strict else reason_openings(
                    facts[index], domain=domain))
            ]  # fmt: skip
            prompts = [
                completion_prompt(facts[index], domain=domain, opening=opening, strict=strict)
                for index, opening in attempts
            ]
            vocabularies = [allowed_words(facts[index], domain=domain) for index, _ in attempts]
            accepted: dict[int, list[str]] = {}
            for (index, opening), prompt, continuation in zip(
                attempts,
                prompts,
                generate(prompts, vocabularies=vocabularies, max_new_tokens=MAX_NEW_TOKENS),
                strict=True,
            ):
                text = reason_text(opening, continuation)
                # The opening is the prompt's own last words: only what the model wrote may echo the prompt.
                verdict = guard.check(text, facts[index], prompt=prompt.removesuffix(opening))
                if opening and _content_words(continuation) < 1:
                    verdict = Verdict(ok=False, problems=(*verdict.problems, "adds next to nothing to its opening"))
                if verdict.ok:
                    accepted.setdefault(index, []).append(text)
                else:
                    rejections[index].append(f"{'strict' if strict else 'first'}: {verdict}")
            for index, texts in accepted.items():
                chosen[index] = best_candidate(texts, facts[index], domain=domain)
                if not strict:
                    first.add(index)
    return [
        ReasonOutcome(chosen[index], GENERATED, tuple(rejections[index]), index in first)
        if index in chosen
        else ReasonOutcome(template_reason(facts[index], domain=domain), TEMPLATE, tuple(rejections[index]))
        for index in range(len(facts))
    ]


def best_candidate(texts: list[str], facts: ReasonFacts, *, domain: Domain) -> str:
    """Of the accepted candidates, the one that links the item to the most kinds of fact, one that says
    how it fits the request first when there is one, then the shortest."""
    words = fact_words(facts, domain=domain)

    def merit(text: str) -> tuple:
        kinds = linked_kinds(text, facts, domain=domain, words=words)
        fits = "request" in kinds if facts.intent else True
        return (fits, len(kinds) >= 2, len(kinds), -len(text))

    return max(texts, key=merit)


def word_trace(text: str, facts: ReasonFacts, *, domain: Domain) -> list[dict]:
    """Each word of a served reason and the fact it traces to (`explain --json` shows it)."""
    return [{"word": t.word, "kind": t.kind, "fact": t.fact} for t in trace(text, facts, domain=domain)]


def _content_words(text: str) -> int:
    return sum(1 for word in WORD.findall(text) if word.lower() not in FUNCTION_WORDS)

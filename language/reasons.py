"""Writing reasons in batches: generate, check each against its facts, retry the rejected ones once with
the stricter prompt, and fall back to the template for what is still rejected. No Django: the service
and the benchmark share it."""

from collections.abc import Callable
from dataclasses import dataclass

from language.domain import Domain
from language.guard import ReasonGuard
from language.prompts import ReasonFacts, completion_prompt, reason_opening, reason_text, template_reason

GENERATED, TEMPLATE = "generated", "template"


@dataclass(frozen=True)
class ReasonOutcome:
    text: str
    source: str  # GENERATED or TEMPLATE
    rejections: tuple[str, ...] = ()  # "first: <why>", "strict: <why>", for the attempts the guard refused

    @property
    def verdict(self) -> str:
        return "; ".join(self.rejections)


def write_reasons(
    facts: list[ReasonFacts],
    *,
    generate: Callable[[list[str]], list[str]],
    guard: ReasonGuard,
    domain: Domain,
    batch_size: int = 8,
) -> list[ReasonOutcome]:
    """One outcome per facts, in order. `generate` continues a batch of prompts (one line each)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    accepted: dict[int, str] = {}
    rejections: dict[int, list[str]] = {index: [] for index in range(len(facts))}
    for strict in (False, True):
        todo = [index for index in range(len(facts)) if index not in accepted]
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            prompts = [completion_prompt(facts[index], domain=domain, strict=strict) for index in batch]
            for index, prompt, continuation in zip(batch, prompts, generate(prompts), strict=True):
                text = reason_text(reason_opening(facts[index], domain=domain, strict=strict), continuation)
                verdict = guard.check(text, facts[index], prompt=prompt)
                if verdict.ok:
                    accepted[index] = text
                else:
                    rejections[index].append(f"{'strict' if strict else 'first'}: {verdict}")
    return [
        ReasonOutcome(accepted[index], GENERATED, tuple(rejections[index]))
        if index in accepted
        else ReasonOutcome(template_reason(facts[index], domain=domain), TEMPLATE, tuple(rejections[index]))
        for index in range(len(facts))
    ]

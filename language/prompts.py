"""What a reason is written from: the facts we hold, the few-shot prompt, and the template fallback, in
the words of the catalogue's domain (its labels, worked examples and title order: language.domain).

The small packaged generator writes grounded text only from a plain completion prompt with worked
examples, greedy decoding, stopping at the newline (../shared/notes/models.md); chat-style "explain why"
prompts make it invent facts. The template says only what the facts say, so it always passes the guard.
"""

from dataclasses import dataclass

from language.domain import Domain

PROMPT_VERSION = "grounded-2"


@dataclass(frozen=True)
class ReasonFacts:
    """Everything a reason may mention about one recommendation."""

    title: str
    year: int | None
    categories: tuple[str, ...]
    tags: tuple[str, ...] = ()
    evidence_titles: tuple[str, ...] = ()  # the user's own items that led to it
    intent: str = ""  # the parsed request's summary, e.g. "Sci-Fi · 1990-1999 · not Horror"


def completion_prompt(facts: ReasonFacts, *, domain: Domain, opening: str = "", strict: bool = False) -> str:
    """A plain completion prompt: the domain's worked examples, then the item (and the request, if any)
    with the reason left open after `opening`, which the reason starts with.

    `strict` (the retry after every candidate was rejected) names the facts the sentence may use and starts
    the reason with the item's title, so that it is about the item, not a liked title.
    """
    blocks = [
        _block(domain, example.title, example.year, example.categories, example.liked, example.reason,
               request=example.request)
        for example in domain.examples
    ]  # fmt: skip
    liked = tuple(domain.natural_title(title) for title in facts.evidence_titles)
    title = domain.natural_title(facts.title)
    target = _block(domain, title, facts.year, facts.categories, liked, None, tags=facts.tags, request=facts.intent)
    if strict:
        opening = opening or title
        given = f"{domain.noun}, year, {domain.category_label.lower()} and liked titles"
        target = f"Use only the {given} given.\n{target}"
    return "\n\n".join([*blocks, f"{target} {opening}" if opening else target])


def reason_openings(facts: ReasonFacts, *, domain: Domain) -> tuple[str, ...]:
    """How one item's candidates begin, each a prompt of its own (so even greedy decoding, or a server,
    gives different candidates): free, and at each link from the item to this user's facts, the liked title
    that led to it and the request, with one of its categories (or its decade) already named, so that the
    reason ties at least two facts together."""
    title = domain.natural_title(facts.title)
    asked = [name for name in facts.categories if name.lower() in facts.intent.lower()] if facts.intent else []
    category = (asked or list(facts.categories) or [""])[0].lower()
    described = f"{title} is {_article(category)} {category}" if category else f"{title} is a"
    openings = [""]
    if facts.evidence_titles:
        openings.append(f"Because you liked {domain.natural_title(facts.evidence_titles[0])}, {described}")
    if facts.intent:  # "with" asks the model to say what else fits: the model tends to stop after a category
        openings.append(f"For your request, {described} with")
    if len(openings) > 1:
        return tuple(openings)
    if facts.year:
        decade = f"{facts.year // 10 * 10}s"
        return ("", f"{title} is {_article(decade)} {decade} {category}".rstrip())
    return ("", described)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou8" or word.startswith(("11", "18")) else "a"


def reason_text(opening: str, continuation: str) -> str:
    """The whole reason: the prompt's opening and what the model continued it with."""
    if not opening:
        return continuation
    return f"{opening} {continuation}" if continuation[:1].isalnum() else f"{opening}{continuation}"


def _block(
    domain: Domain,
    title: str,
    year: int | None,
    categories: tuple[str, ...],
    liked: tuple[str, ...],
    reason: str | None,
    *,
    tags: tuple[str, ...] = (),
    request: str = "",
) -> str:
    lines = [
        f"{domain.noun.capitalize()}: {title}",
        f"Year: {year or 'unknown'}",
        f"{domain.category_label}: {', '.join(categories) or 'none'}",
    ]
    if tags:
        lines.append(f"Tags: {', '.join(tags[:5])}")
    lines.append(f"Liked: {', '.join(liked) or 'nothing yet'}")
    if request:
        lines.append(f"Request: {request}")
    lines.append(f"Reason: {reason}" if reason is not None else "Reason:")
    return "\n".join(lines)


def template_reason(facts: ReasonFacts, *, domain: Domain) -> str:
    """A reason from the facts alone: 'Because you liked Alien and Blade Runner: a 1982 Sci-Fi, Thriller film.'"""
    description = " ".join(
        part for part in (str(facts.year) if facts.year else "", ", ".join(facts.categories[:3]), domain.kind) if part
    )
    article = "an" if description[:1] in "aeiouAEIOU8" or description.startswith(("11", "18")) else "a"
    if facts.evidence_titles:
        liked = _join(tuple(domain.natural_title(title) for title in facts.evidence_titles[:2]))
        fits = f" that fits your request ({facts.intent})" if facts.intent else ""
        return f"Because you liked {liked}: {article} {description}{fits}."
    title = domain.natural_title(facts.title)
    if facts.intent:
        return f"{title} is {article} {description} that fits your request ({facts.intent})."
    return f"{title} is {article} {description} many people rate highly."


def _join(titles: tuple[str, ...]) -> str:
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"

"""What a reason is written from: the facts we hold, the few-shot prompt, and the template fallback.

The small packaged generator writes grounded text only from a plain completion prompt with worked
examples, greedy decoding, stopping at the newline (../shared/notes/models.md); chat-style "explain why"
prompts make it invent facts. The template says only what the facts say, so it always passes the guard.
"""

import re
from dataclasses import dataclass

PROMPT_VERSION = "fewshot-3"

EXAMPLES = (
    (
        "Galaxy Quest", 1999, ("Adventure", "Comedy", "Sci-Fi"), ("Star Trek: First Contact", "Men in Black"),
        "Galaxy Quest combines sci-fi adventure with comedy, much like Men in Black.",
    ),
    (
        "Heat", 1995, ("Action", "Crime", "Thriller"), ("The Godfather", "Reservoir Dogs"),
        "Heat is a tense crime thriller for someone who liked The Godfather.",
    ),
    (
        "Toy Story", 1995, ("Animation", "Children", "Comedy"), ("Aladdin", "The Lion King"),
        "Toy Story is a funny animated film in the spirit of Aladdin.",
    ),
)  # fmt: skip


@dataclass(frozen=True)
class ReasonFacts:
    """Everything a reason may mention about one recommendation."""

    title: str
    year: int | None
    categories: tuple[str, ...]
    tags: tuple[str, ...] = ()
    evidence_titles: tuple[str, ...] = ()  # the user's own items that led to it
    intent: str = ""  # the parsed request's summary, e.g. "Sci-Fi · 1990-1999 · not Horror"


def natural_title(title: str) -> str:
    """A catalogue title in reading order: "Matrix, The" -> "The Matrix", also before a parenthesis
    ("City of Lost Children, The (Cité des enfants perdus, La)" -> "The City of Lost Children (...)")."""
    return re.sub(r"^(.+?), (The|A|An)(?=$| \()", r"\2 \1", title)


def completion_prompt(facts: ReasonFacts, *, strict: bool = False) -> str:
    """A plain completion prompt: three worked examples, then the item with the reason left open.

    `strict` (the retry after a rejected reason) names the facts the sentence may use and starts the
    reason with the item's title (`reason_opening`), so that it is about the item, not a liked title.
    """
    blocks = [_block(title, year, categories, liked, reason) for title, year, categories, liked, reason in EXAMPLES]
    liked = tuple(natural_title(title) for title in facts.evidence_titles)
    target = _block(natural_title(facts.title), facts.year, facts.categories, liked, None, tags=facts.tags)
    if strict:
        opening = reason_opening(facts, strict=True)
        target = f"Use only the movie, year, genres and liked titles given.\n{target} {opening}"
    return "\n\n".join([*blocks, target])


def reason_opening(facts: ReasonFacts, *, strict: bool = False) -> str:
    """The start of the reason that the prompt itself writes: the item's title on the strict retry."""
    return natural_title(facts.title) if strict else ""


def reason_text(opening: str, continuation: str) -> str:
    """The whole reason: the prompt's opening and what the model continued it with."""
    if not opening:
        return continuation
    return f"{opening} {continuation}" if continuation[:1].isalnum() else f"{opening}{continuation}"


def _block(
    title: str,
    year: int | None,
    categories: tuple[str, ...],
    liked: tuple[str, ...],
    reason: str | None,
    *,
    tags: tuple[str, ...] = (),
) -> str:
    lines = [f"Movie: {title}", f"Year: {year or 'unknown'}", f"Genres: {', '.join(categories) or 'none'}"]
    if tags:
        lines.append(f"Tags: {', '.join(tags[:5])}")
    lines.append(f"Liked: {', '.join(liked) or 'nothing yet'}")
    lines.append(f"Reason: {reason}" if reason is not None else "Reason:")
    return "\n".join(lines)


def template_reason(facts: ReasonFacts) -> str:
    """A reason from the facts alone: 'Because you liked Alien and Blade Runner: a 1982 Sci-Fi, Thriller film.'"""
    description = " ".join(
        part for part in (str(facts.year) if facts.year else "", ", ".join(facts.categories[:3]), "film") if part
    )
    article = "an" if description[:1] in "aeiouAEIOU8" or description.startswith(("11", "18")) else "a"
    if facts.evidence_titles:
        liked = _join(tuple(natural_title(title) for title in facts.evidence_titles[:2]))
        return f"Because you liked {liked}: {article} {description}."
    title = natural_title(facts.title)
    if facts.intent:
        return f"{title} is {article} {description} that fits your request ({facts.intent})."
    return f"{title} is {article} {description} many people rate highly."


def _join(titles: tuple[str, ...]) -> str:
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"

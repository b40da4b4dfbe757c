"""Follow-up turns: a new request refines the constraints of the ones before instead of starting over.

"something like Heat" then "only older ones" then "no sequels" then "more like the second one": the
conversation's request is Heat's anchor, years before the last list's median, not mentioning "sequel",
then anchored on the second item that list showed instead of Heat.
"""

from dataclasses import replace
from statistics import median

from language.parsed import Anchor, ParsedIntent


def refine(
    previous: ParsedIntent, turn: ParsedIntent, *, referenced: list[Anchor] = (), shown_years: list[int] = ()
) -> ParsedIntent:
    """`previous` with `turn` applied. What a turn names is added to what was asked before; what it
    refuses is taken out (a category named before and refused now is refused); its years replace the
    earlier ones; its anchors (or the shown items it refers to, `referenced`) replace the earlier anchors.
    "older"/"newer" with no year are relative to `shown_years`, the years of the list shown last. The
    vector is left for the caller to compute from the joined residual text."""
    categories = [name for name in dict.fromkeys([*previous.categories, *turn.categories]) if name not in turn.excluded]
    excluded = [name for name in dict.fromkeys([*previous.excluded, *turn.excluded]) if name not in turn.categories]
    year_min, year_max = previous.year_min, previous.year_max
    known_years = [year for year in shown_years if year]
    if turn.relative and known_years:
        middle = int(median(known_years))
        if turn.relative == "older":
            year_max = middle - 1
            year_min = year_min if year_min is not None and year_min <= year_max else None
        else:
            year_min = middle + 1
            year_max = year_max if year_max is not None and year_max >= year_min else None
    elif turn.year_min is not None or turn.year_max is not None:
        year_min, year_max = turn.year_min, turn.year_max
    anchors = tuple(referenced) or turn.anchors or previous.anchors
    avoided = tuple({k.phrase: k for k in (*previous.avoided, *turn.avoided)}.values())
    refused = {k.phrase for k in avoided}
    keywords = tuple(
        k for k in {k.phrase: k for k in (*previous.keywords, *turn.keywords)}.values() if k.phrase not in refused
    )
    return replace(
        previous,
        text=turn.text,
        categories=tuple(categories),
        excluded=tuple(excluded),
        year_min=year_min,
        year_max=year_max,
        residual=" ".join(part for part in (previous.residual, turn.residual) if part),
        notes=(*previous.notes, *turn.notes),
        anchors=tuple(anchors),
        keywords=keywords,
        avoided=avoided,
        unmatched=turn.unmatched,
        references=(),
        relative="",
        vector=None,
    )

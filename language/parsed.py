"""A request as understood: its constraints (categories, exclusions, years), the titles it names (anchors),
the words items mention (keywords) or that it refuses (avoided), what nothing understood, and the chips
that show each constraint and remove it. Written by language.intent, refined by language.conversation."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class Anchor:
    """A title the request names: the list is ranked toward it and never shows it."""

    item_id: int
    title: str  # as the catalogue writes it ("Dark Knight, The")
    year: int | None
    label: str = ""  # in reading order ("The Dark Knight"), for chips and summaries


@dataclass(frozen=True)
class Keyword:
    """Words the catalogue knows about some items ("tom hanks" in their keywords)."""

    phrase: str  # lower case, as looked up
    field: str
    label: str = ""  # as the request wrote it ("Stephen King"), for chips


@dataclass(frozen=True)
class Chip:
    """One understood constraint as the site shows it; `key` removes it (the API's `remove`)."""

    key: str
    label: str
    negative: bool = False


@dataclass(frozen=True)
class ParsedIntent:
    text: str
    categories: tuple[str, ...] = ()  # catalogue category names the items must all have
    excluded: tuple[str, ...] = ()  # catalogue category names the items must not have
    year_min: int | None = None
    year_max: int | None = None
    residual: str = ""  # what is left for the similarity vector
    notes: tuple[str, ...] = field(default=())  # how each category was matched, for debugging
    anchors: tuple[Anchor, ...] = ()
    keywords: tuple[Keyword, ...] = ()  # matched words: items mentioning them rank first
    avoided: tuple[Keyword, ...] = ()  # negated matched words ("no sequels"): items mentioning them are left out
    unmatched: tuple[str, ...] = ()  # words nothing understood
    references: tuple[int, ...] = ()  # "the second one": positions in the list shown before (-1: the last)
    relative: str = ""  # "older" / "newer": than the list shown before, in a follow-up
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)  # the residual, embedded

    def describe(self) -> str:
        """'like Heat · Sci-Fi · 1990-1999 · not Horror', the line the site and the API show."""
        return " · ".join(chip.label for chip in self.chips())

    def chips(self) -> list[Chip]:
        chips = [Chip(f"anchor:{a.item_id}", f"like {a.label or a.title}") for a in self.anchors]
        chips += [Chip(f"category:{name}", name) for name in self.categories]
        low, high = self.year_min, self.year_max
        if low is not None or high is not None:
            if low is not None and high is not None:
                label = str(low) if low == high else f"{low}-{high}"
            else:
                label = f"from {low}" if low is not None else f"until {high}"
            chips.append(Chip("years", label))
        chips += [Chip(f"keyword:{k.phrase}", f"mentions: {k.label or k.phrase}") for k in self.keywords]
        chips += [Chip(f"excluded:{name}", f"not {name}", negative=True) for name in self.excluded]
        chips += [Chip(f"avoided:{k.phrase}", f"not: {k.label or k.phrase}", negative=True) for k in self.avoided]
        return chips

    def met_by(self, *, categories: set[str], year: int | None, mentions: Callable[[str], bool]) -> "ParsedIntent":
        """Only what an item (its categories, year, and the phrases it `mentions`) meets: what its reason may
        say it fits. An item shown after a relaxation fits less of the request, and its reason says less."""
        in_years = (
            year is not None
            and (self.year_min is None or year >= self.year_min)
            and (self.year_max is None or year <= self.year_max)
        )
        keep_years = in_years or (self.year_min is None and self.year_max is None)
        return replace(
            self,
            categories=tuple(name for name in self.categories if name in categories),
            excluded=tuple(name for name in self.excluded if name not in categories),
            year_min=self.year_min if keep_years else None,
            year_max=self.year_max if keep_years else None,
            keywords=tuple(k for k in self.keywords if mentions(k.phrase)),
            avoided=tuple(k for k in self.avoided if not mentions(k.phrase)),
        )

    def without(self, key: str) -> "ParsedIntent":
        """The request with one chip removed (KeyError when it has no such chip)."""
        if key not in {chip.key for chip in self.chips()}:
            raise KeyError(key)
        kind, _, value = key.partition(":")
        if kind == "years":
            return replace(self, year_min=None, year_max=None)
        if kind == "anchor":
            return replace(self, anchors=tuple(a for a in self.anchors if str(a.item_id) != value))
        if kind in {"keyword", "avoided"}:
            attribute = "keywords" if kind == "keyword" else "avoided"
            return replace(self, **{attribute: tuple(k for k in getattr(self, attribute) if k.phrase != value)})
        attribute = "categories" if kind == "category" else "excluded"
        return replace(self, **{attribute: tuple(name for name in getattr(self, attribute) if name != value)})

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "categories": list(self.categories),
            "excluded": list(self.excluded),
            "year_min": self.year_min,
            "year_max": self.year_max,
            "residual": self.residual,
            "notes": list(self.notes),
            "summary": self.describe(),
            "anchors": [
                {"item_id": a.item_id, "title": a.title, "year": a.year, "label": a.label} for a in self.anchors
            ],
            "keywords": [{"phrase": k.phrase, "field": k.field, "label": k.label} for k in self.keywords],
            "avoided": [{"phrase": k.phrase, "field": k.field, "label": k.label} for k in self.avoided],
            "unmatched": list(self.unmatched),
            "chips": [{"key": c.key, "label": c.label, "negative": c.negative} for c in self.chips()],
        }

    @classmethod
    def from_dict(cls, data: dict, *, vector: np.ndarray | None = None) -> "ParsedIntent":
        """The request as_dict() wrote (a conversation's stored state), with its vector given back."""
        return cls(
            text=data["text"],
            categories=tuple(data["categories"]),
            excluded=tuple(data["excluded"]),
            year_min=data["year_min"],
            year_max=data["year_max"],
            residual=data["residual"],
            notes=tuple(data.get("notes", ())),
            anchors=tuple(Anchor(**a) for a in data.get("anchors", ())),
            keywords=tuple(Keyword(**k) for k in data.get("keywords", ())),
            avoided=tuple(Keyword(**k) for k in data.get("avoided", ())),
            unmatched=tuple(data.get("unmatched", ())),
            vector=vector,
        )

"""A cover for an item with no poster: an SVG drawn from its title, year and categories.

The same facts always draw the same picture (its shapes are placed by a hash of the title), so the picture
can be cached and named by `cover_etag`. Each category has a palette; the most telling of an item's
categories (`GENRE_ORDER`: Animation over Comedy over Drama) colours it, fading into the second's. Every
text is XML-escaped, and a title of any length is wrapped to fit (smaller type for longer titles, an
ellipsis past the last line).
"""

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

COVER_VERSION = 1  # part of every cover's ETag: bump it when the drawing changes
WIDTH, HEIGHT = 200, 300
MARGIN = 16
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# (font size, most lines): the largest size whose lines fit is used.
TITLE_SIZES = ((30, 4), (26, 5), (22, 6), (19, 7), (16, 8), (14, 9))
TITLE_TOP = 44
TITLE_BOTTOM = HEIGHT - 64  # the band for the year and categories starts below
MAX_GENRES_SHOWN = 3
BOLD_EM, REGULAR_EM = 0.66, 0.5  # a character's average width in bold and regular sans-serif, in ems


@dataclass(frozen=True)
class Palette:
    base: str  # the background, dark enough for white text
    accent: str  # the shapes and the rule under the title


DEFAULT_PALETTE = Palette("#334155", "#94a3b8")
# By category key: the name in lower case, any run of other characters a "-" ("Sci-Fi": "sci-fi").
PALETTES = {
    "animation": Palette("#0e6e8c", "#7dd3fc"),
    "documentary": Palette("#3f4b3b", "#c5d1a6"),
    "film-noir": Palette("#1c1c1c", "#d4d4d4"),
    "horror": Palette("#5b0f14", "#f87171"),
    "sci-fi": Palette("#13245e", "#67e8f9"),
    "western": Palette("#7a3e12", "#fbbf6a"),
    "musical": Palette("#6b1d5e", "#f9a8d4"),
    "war": Palette("#3d4a26", "#bfcf8a"),
    "fantasy": Palette("#452a7a", "#c4b5fd"),
    "children": Palette("#1d6b3a", "#fde047"),
    "romance": Palette("#8a1f47", "#fda4af"),
    "mystery": Palette("#2b2d5c", "#a5b4fc"),
    "crime": Palette("#2a2a33", "#facc15"),
    "thriller": Palette("#3b1f2b", "#fb923c"),
    "comedy": Palette("#9a4a00", "#fde68a"),
    "adventure": Palette("#0f5c4d", "#fcd34d"),
    "action": Palette("#8c1c13", "#fdba74"),
    "drama": Palette("#1e3a5f", "#93c5fd"),
    "imax": Palette("#0b3b66", "#e0f2fe"),
}
# Which category colours an item: the most telling first.
GENRE_ORDER = (
    "animation", "documentary", "film-noir", "horror", "sci-fi", "western", "musical", "war", "fantasy",
    "children", "romance", "mystery", "crime", "thriller", "comedy", "adventure", "action", "drama", "imax",
)  # fmt: skip
# Characters XML 1.0 does not allow (and a stray control character is no part of a title).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def genre_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def genres_ranked(genres: Sequence[str]) -> list[str]:
    """The categories, the most telling first (those without a palette after, by name), each once."""
    rank = {key: position for position, key in enumerate(GENRE_ORDER)}
    unique = {genre_key(name): name for name in sorted(genres)}
    return [unique[key] for key in sorted(unique, key=lambda key: (rank.get(key, len(rank)), key))]


def genre_palette(name: str | None) -> Palette:
    return PALETTES.get(genre_key(name), DEFAULT_PALETTE) if name else DEFAULT_PALETTE


def cover_etag(*, title: str, year: int | None, genres: Sequence[str]) -> str:
    """A name for the cover these facts draw: changes when they or the drawing (COVER_VERSION) do."""
    facts = json.dumps([COVER_VERSION, title, year, sorted(genres)], ensure_ascii=False)
    return hashlib.sha256(facts.encode()).hexdigest()[:32]


def cover_svg(*, title: str, year: int | None, genres: Sequence[str]) -> str:
    """The cover as an SVG document (title: as people read it, "The Matrix")."""
    title = " ".join(_NOT_XML.sub("", title).split()) or "Untitled"
    ranked = genres_ranked([_NOT_XML.sub("", name) for name in genres if name.strip()])
    first = genre_palette(ranked[0] if ranked else None)
    second = genre_palette(ranked[1]) if len(ranked) > 1 else Palette(_shade(first.base, 0.55), first.accent)
    seed = hashlib.sha256(title.encode()).digest()
    size, lines = _title_lines(title)
    label = f"{title} ({year})" if year else title
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" aria-label="{_attr(label)}">',
        f"<title>{escape(label)}</title>",
        '<defs><linearGradient id="bg" x1="0" y1="0" x2="0.35" y2="1">'
        f'<stop offset="0" stop-color="{first.base}"/><stop offset="1" stop-color="{second.base}"/>'
        "</linearGradient></defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#bg)"/>',
        *_shapes(seed, first.accent, second.accent),
        f'<rect x="{MARGIN}" y="{TITLE_TOP - 22}" width="36" height="4" rx="2" fill="{first.accent}"/>',
        _text_lines(lines, size),
        f'<rect y="{HEIGHT - 56}" width="{WIDTH}" height="56" fill="#000" fill-opacity="0.35"/>',
    ]
    if year:
        parts.append(
            f'<text x="{MARGIN}" y="{HEIGHT - 33}" font-family="{FONT}" font-size="15" font-weight="700"'
            f' fill="#fff">{year}</text>'
        )
    if ranked:
        shown = " · ".join(ranked[:MAX_GENRES_SHOWN])
        shown = _ellipsized(shown, (WIDTH - 2 * MARGIN) / (11 * REGULAR_EM))
        parts.append(
            f'<text x="{MARGIN}" y="{HEIGHT - 14}" font-family="{FONT}" font-size="11" fill="#fff"'
            f' fill-opacity="0.9">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _title_lines(title: str) -> tuple[int, list[str]]:
    """The largest type size at which the title fits, and its lines (the last ellipsized if it never does)."""
    longest = max(map(_width, title.split()))
    for size, most in TITLE_SIZES:
        room = (WIDTH - 2 * MARGIN) / (size * BOLD_EM)
        lines = _wrapped(title, room)
        if longest <= room and len(lines) <= most and TITLE_TOP + len(lines) * size * 1.15 <= TITLE_BOTTOM:
            return size, lines
    size, most = TITLE_SIZES[-1]
    room = (WIDTH - 2 * MARGIN) / (size * BOLD_EM)
    lines = _wrapped(title, room)
    return size, lines if len(lines) <= most else [*lines[: most - 1], _ellipsized(" ".join(lines[most - 1 :]), room)]


def _width(text: str) -> float:
    """The text's width in "average characters": wide (CJK) characters count about twice."""
    return sum(1.8 if unicodedata.east_asian_width(char) in "WF" else 1.0 for char in text)


def _wrapped(text: str, room: float) -> list[str]:
    """Words into lines of at most `room` average characters; a word longer than a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while _width(word) > room:  # cut what cannot fit any line
            cut = max(1, _fitting(word, room - 1))
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut] + "-")
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if _width(candidate) <= room:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fitting(text: str, room: float) -> int:
    """How many of the text's first characters fit in `room`."""
    used = 0.0
    for count, char in enumerate(text):
        used += _width(char)
        if used > room:
            return count
    return len(text)


def _ellipsized(text: str, room: float) -> str:
    return text if _width(text) <= room else text[: max(1, _fitting(text, room - 1))].rstrip() + "…"


def _text_lines(lines: list[str], size: int) -> str:
    leading = round(size * 1.15, 1)
    spans = "".join(
        f'<tspan x="{MARGIN}" dy="{0 if n == 0 else leading}">{escape(line)}</tspan>' for n, line in enumerate(lines)
    )
    return (
        f'<text x="{MARGIN}" y="{TITLE_TOP + size * 0.8:.1f}" font-family="{FONT}" font-size="{size}"'
        f' font-weight="700" fill="#fff">{spans}</text>'
    )


def _shapes(seed: bytes, accent: str, other: str) -> list[str]:
    """Three soft circles placed by the title's hash: every cover of a genre alike, no two the same."""
    shapes = []
    for n, colour in enumerate((accent, other, accent)):
        x = 20 + seed[3 * n] % (WIDTH - 40)
        y = 90 + seed[3 * n + 1] % (HEIGHT - 150)
        radius = 30 + seed[3 * n + 2] % 70
        opacity = (0.22, 0.16, 0.1)[n]
        shapes.append(f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{colour}" fill-opacity="{opacity}"/>')
    return shapes


def _shade(colour: str, factor: float) -> str:
    """The colour darkened: each channel times `factor`."""
    channels = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(value * factor):02x}" for value in channels)


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})

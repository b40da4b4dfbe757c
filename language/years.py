"""Year ranges in a request's words: "from the 90s", "late eighties", "between 1977 and 1985", "not too old",
"recent". Each phrase found is cut out of the text, so it is not read again as a category or a keyword."""

import re
from collections.abc import Callable

WORD_DECADES = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960, "seventies": 1970,
    "eighties": 1980, "nineties": 1990, "noughties": 2000, "aughts": 2000,
}  # fmt: skip
DECADE = r"(?:(?P<century>19|20)?(?P<decade>\d)0'?s|(?P<word>" + "|".join(WORD_DECADES) + r"))"
YEAR = r"(?:18[89]\d|19\d\d|20\d\d)"
RECENT = re.compile(r"\b(?:recent|latest|newest|brand[ -]new|new releases?|modern|contemporary|current)\b")
CLASSIC = re.compile(r"\b(?:classic|classics|old|older|oldies|vintage|old-school|old school|golden age)\b")
# "older ones", "newer": relative to the list already shown, in a conversation's follow-up.
OLDER = re.compile(r"\b(?:older|earlier)\b")
NEWER = re.compile(r"\b(?:newer|more recent|later|fresher)\b")

Bounds = tuple[int | None, int | None]


def years_take(work: str, *, current_year: int) -> tuple[int | None, int | None, str]:
    """(year_min, year_max, the text with every year phrase replaced by a clause break)."""
    low: int | None = None
    high: int | None = None

    def take(lo: int | None, hi: int | None) -> str:
        nonlocal low, high
        low = lo if low is None or (lo is not None and lo > low) else low
        high = hi if high is None or (hi is not None and hi < high) else high
        return " | "

    def decade(match: re.Match, *, second: bool = False) -> int:
        suffix = "2" if second else ""
        if match["word" + suffix]:
            return WORD_DECADES[match["word" + suffix]]
        digit = int(match["decade" + suffix])
        if match["century" + suffix]:
            return int(match["century" + suffix]) * 100 + digit * 10
        year = 2000 + digit * 10
        return year if year <= current_year else 1900 + digit * 10

    two_decades = DECADE.replace("century", "century2").replace("decade>", "decade2>").replace("word", "word2")
    rules: list[tuple[str, Callable[[re.Match], Bounds]]] = [
        # Negated bounds turn around: "nothing before 2000" is 2000 or later.
        (rf"\b(?:not|nothing|no)(?: made| released| from)? (?:before|older than|earlier than)[ -]?({YEAR})\b",
         lambda m: (int(m[1]), None)),
        (rf"\b(?:not|nothing|no)(?: made| released| from)? (?:after|newer than|later than)[ -]?({YEAR})\b",
         lambda m: (None, int(m[1]))),
        (r"\b(?:not|nothing|no)(?: too| so| very| that)? (?:old|older|classic|vintage|black and white)\b",
         lambda m: (1980, None)),
        (r"\b(?:not|nothing|no)(?: too| so| very| that)? (?:recent|new|modern)\b",
         lambda m: (None, current_year - 5)),
        # "80s or 90s": both decades.
        (rf"\b(?:the )?'?{DECADE} ?(?:or|and|to|through|-|/) ?(?:the )?'?{two_decades}(?![\w])",
         lambda m: (decade(m), decade(m, second=True) + 9)),
        (rf"\bbetween ({YEAR}) and ({YEAR})\b", lambda m: _ordered(int(m[1]), int(m[2]))),
        (rf"\b(?:from )?({YEAR}) ?(?:-|to|until|through|thru) ?({YEAR})\b", lambda m: _ordered(int(m[1]), int(m[2]))),
        (rf"\b(?P<edge>early|mid|late)[ -]*(?:the )?{DECADE}", lambda m: _decade_part(decade(m), m["edge"])),
        (rf"\b(?:from |in |of )?(?:the )?'?{DECADE}(?![\w])", lambda m: (decade(m), decade(m) + 9)),
        (rf"\b(?:after|post|newer than|later than)[ -]?({YEAR})\b", lambda m: (int(m[1]) + 1, None)),
        (rf"\b(?:since|starting(?: from| in)?|as of) ({YEAR})\b", lambda m: (int(m[1]), None)),
        (rf"\bfrom ({YEAR}) (?:on(?:wards?)?|or later|and later)\b", lambda m: (int(m[1]), None)),
        (rf"\b({YEAR}) (?:or later|and later|onwards?|and newer|or newer|\+)", lambda m: (int(m[1]), None)),
        (rf"\b(?:before|pre|older than|earlier than)[ -]?({YEAR})\b", lambda m: (None, int(m[1]) - 1)),
        (rf"\b(?:until|up to|through|no later than) ({YEAR})\b", lambda m: (None, int(m[1]))),
        (rf"\b({YEAR}) (?:or earlier|and earlier|or older|and older)\b", lambda m: (None, int(m[1]))),
        (rf"\b(?:in |from |released in |made in |of )?({YEAR})\b", lambda m: (int(m[1]), int(m[1]))),
    ]  # fmt: skip
    for pattern, bounds in rules:
        work = re.sub(pattern, lambda m, bounds=bounds: take(*bounds(m)), work)
    if RECENT.search(work):
        work = RECENT.sub(" | ", work)
        take(current_year - 4, None)
    if CLASSIC.search(work):
        work = CLASSIC.sub(" | ", work)
        take(None, 1979)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high, work


def _decade_part(start: int, edge: str) -> Bounds:
    return {"early": (start, start + 3), "mid": (start + 3, start + 6), "late": (start + 6, start + 9)}[edge]


def _ordered(a: int, b: int) -> Bounds:
    return (a, b) if a <= b else (b, a)

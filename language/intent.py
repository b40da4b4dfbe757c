"""Understanding a request in plain words: wanted and excluded categories, a year range, and the rest.

"a light-hearted sci-fi film from the 90s, nothing scary" -> Sci-Fi · 1990-1999 · not Horror, and the
text "light-hearted" for the similarity vector. Categories are matched against the catalogue's own names,
the domain's synonyms and staff's aliases, near-misses (typos), and, when an encoder is given, embedding
similarity. Negated
phrases are excluded and kept out of the vector, so "no horror" never pulls toward horror.
"""

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from language.domain import Domain

MAX_LENGTH = 500

NEGATION = re.compile(
    r"\b(?:no|not|non|nothing|none|without|except|excluding|exclude|avoid|avoiding|minus|skip|never|"
    r"hate|dislike|anything but|but not|other than|rather than|instead of|"
    r"(?:do not|don'?t|doesn'?t|does not|won'?t) (?:want|like|need|include|be)(?: any| a| an)?|"
    r"isn'?t|aren'?t|free of|less)\b[\s-]*"
)
# A negation reaches to the next clause boundary.
CLAUSE_END = re.compile(r"[,.;:!?()|]| and | but | with | from | in the | that | which | set in | for | please\b")

WORD_DECADES = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960, "seventies": 1970,
    "eighties": 1980, "nineties": 1990, "noughties": 2000, "aughts": 2000,
}  # fmt: skip
DECADE = r"(?:(?P<century>19|20)?(?P<decade>\d)0'?s|(?P<word>" + "|".join(WORD_DECADES) + r"))"
YEAR = r"(?:18[89]\d|19\d\d|20\d\d)"

FILLER = frozenset(
    re.findall(
        r"\S+",
        """a an the i i'd id im i'm me my we us our want wanted would like love looking look for to watch see show
    give find recommend recommendation recommendations suggest suggestion something anything some any
    one ones please tonight today now with of about in on from that is are be
    it its it's this these those and or but kind sort type very really quite bit little lot good great nice
    best top just also maybe perhaps can could you your please set made released year years era time""",
    )
)
RECENT = re.compile(r"\b(?:recent|latest|newest|brand[ -]new|new releases?|modern|contemporary|current)\b")
CLASSIC = re.compile(r"\b(?:classic|classics|old|older|oldies|vintage|old-school|old school|golden age)\b")

Encode = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class ParsedIntent:
    text: str
    categories: tuple[str, ...] = ()  # catalogue category names the items must all have
    excluded: tuple[str, ...] = ()  # catalogue category names the items must not have
    year_min: int | None = None
    year_max: int | None = None
    residual: str = ""  # what is left for the similarity vector
    notes: tuple[str, ...] = field(default=())  # how each category was matched, for debugging
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)  # the residual, embedded

    def describe(self) -> str:
        """'Sci-Fi · 1990-1999 · not Horror', the line the site and the API show."""
        parts = list(self.categories)
        if self.year_min is not None and self.year_max is not None:
            parts.append(str(self.year_min) if self.year_min == self.year_max else f"{self.year_min}-{self.year_max}")
        elif self.year_min is not None:
            parts.append(f"from {self.year_min}")
        elif self.year_max is not None:
            parts.append(f"until {self.year_max}")
        parts += [f"not {name}" for name in self.excluded]
        return " · ".join(parts)

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
        }


class IntentParser:
    """Parses requests against one catalogue's category names (and their aliases: phrase -> category name),
    in its domain's words. Build once, parse many.

    `encode` (texts -> unit vectors) enables matching unlisted words to categories by embedding
    similarity; without it only names, synonyms and near-misses match.
    """

    def __init__(
        self,
        category_names: list[str],
        *,
        current_year: int,
        domain: Domain,
        aliases: dict[str, str] | None = None,
        encode: Encode | None = None,
        similarity_threshold: float = 0.5,
        similarity_margin: float = 0.03,
    ):
        self.current_year = current_year
        self.encode = encode
        self.similarity_threshold = similarity_threshold
        self.similarity_margin = similarity_margin
        self.filler = FILLER | domain.item_words
        self.phrases = category_phrases(category_names, domain=domain, aliases=aliases)
        self._phrase_pattern = phrase_pattern(self.phrases)
        self._single_words = [phrase for phrase in self.phrases if " " not in phrase and len(phrase) >= 4]
        self._names = list(category_names)
        self._name_vectors = encode([f"{name} {domain.plural}" for name in category_names]) if encode else None

    def parse(self, text: str) -> ParsedIntent:
        """Raises ValueError for an empty request or one over MAX_LENGTH characters."""
        if not text or not text.strip():
            raise ValueError("the request is empty")
        if len(text) > MAX_LENGTH:
            raise ValueError(f"the request is longer than {MAX_LENGTH} characters")
        work = " " + re.sub(r"\s+", " ", text.lower().replace("\u2019", "'").replace("\u2013", "-")) + " "
        notes: list[str] = []

        year_min, year_max, work = self._years(work)
        excluded, work = self._negations(work, notes)
        wanted, work = self._categories(work, notes)
        words = [w for w in re.findall(r"[a-z0-9][a-z0-9'-]*", work) if w not in self.filler]
        residual = " ".join(words)
        vector = None
        if self.encode is not None:
            # One encoder call for the residual text and the words to try against the category names.
            unmatched = self._unmatched(words)
            vectors = self.encode([residual or " ".join(wanted) or text.strip(), *unmatched])
            vector = vectors[0]
            wanted += self._by_similarity(unmatched, vectors[1:], set(wanted) | set(excluded), notes)
        # A category both asked for and refused ("any war movie except ww2"): what was asked for wins.
        wanted = list(dict.fromkeys(wanted))
        excluded = [name for name in excluded if name not in wanted]
        return ParsedIntent(
            text=text.strip(),
            categories=tuple(wanted),
            excluded=tuple(dict.fromkeys(excluded)),
            year_min=year_min,
            year_max=year_max,
            residual=residual,
            notes=tuple(notes),
            vector=vector,
        )

    # --- years -----------------------------------------------------------------------------------
    def _years(self, work: str) -> tuple[int | None, int | None, str]:
        low: int | None = None
        high: int | None = None

        def take(match: re.Match, lo: int | None, hi: int | None) -> str:
            nonlocal low, high
            low = lo if low is None or (lo is not None and lo > low) else low
            high = hi if high is None or (hi is not None and hi < high) else high
            return " | "

        two_decades = DECADE.replace("century", "century2").replace("decade>", "decade2>").replace("word", "word2")
        rules: list[tuple[str, Callable[[re.Match], tuple[int | None, int | None]]]] = [
            # Negated bounds turn around: "nothing before 2000" is 2000 or later.
            (rf"\b(?:not|nothing|no)(?: made| released| from)? (?:before|older than|earlier than)[ -]?({YEAR})\b",
             lambda m: (int(m[1]), None)),
            (rf"\b(?:not|nothing|no)(?: made| released| from)? (?:after|newer than|later than)[ -]?({YEAR})\b",
             lambda m: (None, int(m[1]))),
            (r"\b(?:not|nothing|no)(?: too| so| very| that)? (?:old|older|classic|vintage|black and white)\b",
             lambda m: (1980, None)),
            (r"\b(?:not|nothing|no)(?: too| so| very| that)? (?:recent|new|modern)\b",
             lambda m: (None, self.current_year - 5)),
            # "80s or 90s": both decades.
            (rf"\b(?:the )?'?{DECADE} ?(?:or|and|to|through|-|/) ?(?:the )?'?{two_decades}(?![\w])",
             lambda m: (self._decade(m), self._decade(m, second=True) + 9)),
            (rf"\bbetween ({YEAR}) and ({YEAR})\b", lambda m: _ordered(int(m[1]), int(m[2]))),
            (
                rf"\b(?:from )?({YEAR}) ?(?:-|to|until|through|thru) ?({YEAR})\b",
                lambda m: _ordered(int(m[1]), int(m[2])),
            ),
            (
                rf"\b(?P<edge>early|mid|late)[ -]*(?:the )?{DECADE}",
                lambda m: self._decade_part(self._decade(m), m["edge"]),
            ),
            (rf"\b(?:from |in |of )?(?:the )?'?{DECADE}(?![\w])", lambda m: (self._decade(m), self._decade(m) + 9)),
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
            work = re.sub(pattern, lambda m, bounds=bounds: take(m, *bounds(m)), work)
        if RECENT.search(work):
            work = RECENT.sub(" | ", work)
            take(None, self.current_year - 4, None)
        if CLASSIC.search(work):
            work = CLASSIC.sub(" | ", work)
            take(None, None, 1979)
        if low is not None and high is not None and low > high:
            low, high = high, low
        return low, high, work

    def _decade(self, match: re.Match, *, second: bool = False) -> int:
        suffix = "2" if second else ""
        if match["word" + suffix]:
            return WORD_DECADES[match["word" + suffix]]
        digit = int(match["decade" + suffix])
        if match["century" + suffix]:
            return int(match["century" + suffix]) * 100 + digit * 10
        year = 2000 + digit * 10
        return year if year <= self.current_year else 1900 + digit * 10

    @staticmethod
    def _decade_part(start: int, edge: str) -> tuple[int, int]:
        return {"early": (start, start + 3), "mid": (start + 3, start + 6), "late": (start + 6, start + 9)}[edge]

    # --- categories ------------------------------------------------------------------------------
    def _negations(self, work: str, notes: list[str]) -> tuple[list[str], str]:
        excluded: list[str] = []
        while match := NEGATION.search(work):
            end = CLAUSE_END.search(work, match.end())
            scope_end = end.start() if end else len(work)
            scope = work[match.end() : scope_end]
            found, _ = self._categories(" " + scope + " ", notes, negated=True)
            if not found and self.encode is not None:
                unmatched = self._unmatched(re.findall(r"[a-z][a-z'-]*", scope))
                if unmatched:
                    found = self._by_similarity(unmatched, self.encode(unmatched), set(), notes, negated=True)
            excluded += found
            # Drop the cue and its scope from what is parsed next and from the vector text.
            work = work[: match.start()] + " | " + work[scope_end:]
        return excluded, work

    def _categories(self, work: str, notes: list[str], *, negated: bool = False) -> tuple[list[str], str]:
        found: list[str] = []

        matched: set[str] = set()

        def hit(match: re.Match) -> str:
            names = self.phrases[match[0]]
            found.extend(names)
            matched.update(match[0].split())
            notes.append(f"{'not ' if negated else ''}{'+'.join(names)} <- {match[0]!r}")
            return " " + match[0] + " "

        work = self._phrase_pattern.sub(hit, work)
        # Near-misses of single-word phrases ("comdy", "animted"), for words no phrase matched.
        for word in sorted(set(re.findall(r"[a-z][a-z'-]{3,}", work)) - matched - self.filler):
            close = difflib.get_close_matches(word, self._single_words, n=1, cutoff=0.84)
            if close:
                names = self.phrases[close[0]]
                found.extend(names)
                notes.append(f"{'not ' if negated else ''}{'+'.join(names)} <- {word!r} (as {close[0]!r})")
        return found, work

    def _unmatched(self, words: list[str]) -> list[str]:
        """Content words no phrase matched, worth comparing with the category names."""
        return [w for w in dict.fromkeys(words) if len(w) >= 4 and w not in self.phrases and w not in self.filler]

    def _by_similarity(
        self, words: list[str], vectors: np.ndarray, already: set[str], notes: list[str], *, negated: bool = False
    ) -> list[str]:
        """Categories whose names the words' embeddings are clearly closest to."""
        if not words:
            return []
        found = []
        for word, row in zip(words, vectors @ self._name_vectors.T, strict=True):
            second, best = np.argsort(row)[-2:] if len(row) > 1 else (None, 0)
            name = self._names[best]
            clear = second is None or row[best] - row[second] >= self.similarity_margin
            if row[best] >= self.similarity_threshold and clear and name not in already:
                found.append(name)
                notes.append(f"{'not ' if negated else ''}{name} <- {word!r} (similarity {row[best]:.2f})")
        return found


def category_phrases(
    category_names: list[str], *, domain: Domain, aliases: dict[str, str] | None = None
) -> dict[str, tuple[str, ...]]:
    """Lower-case phrase -> the catalogue categories it names: the names themselves, the domain's synonyms
    of the categories the catalogue has, and the aliases staff gave (phrase -> category name)."""
    by_key = {_key(name): name for name in category_names}
    phrases: dict[str, tuple[str, ...]] = {}
    for name in category_names:
        for phrase in {name.lower(), name.lower().replace("-", " "), _key(name)}:
            phrases[phrase] = (name,)
    for key, synonyms in domain.synonyms.items():
        if key in by_key:
            for phrase in synonyms:
                phrases.setdefault(phrase, (by_key[key],))
    for phrase, keys in domain.combined.items():
        if all(key in by_key for key in keys):
            phrases[phrase] = tuple(by_key[key] for key in keys)
    known = set(category_names)
    for phrase, name in (aliases or {}).items():
        if name in known and phrase.strip():
            phrases[phrase.strip().lower()] = (name,)
    return phrases


def phrase_pattern(phrases: dict[str, tuple[str, ...]]) -> re.Pattern:
    """Matches any of the phrases as whole words, longest first."""
    longest_first = sorted(phrases, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, longest_first)) + r")(?![\w-])")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)

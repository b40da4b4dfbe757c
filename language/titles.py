"""Titles a request names: "like Toy Story", "similar to toy storry", "in the vein of Alien 1979",
"I loved The Dark Knight". A title is found after a cue, as the longest run of words that is a catalogue
title written the usual ways ("The Matrix", "Matrix", "Star Wars" for "Star Wars: Episode IV - A New Hope",
"Se7en" for "Seven (a.k.a. Se7en)"); failing that, the closest title within a small edit distance
(rapidfuzz). A year right after the title picks between remakes. Same-name titles go to the most popular.
"""

import bisect
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

# What introduces a title. "like" alone is a cue, but not in "I'd like" / "would like".
CUE = re.compile(
    r"(?:(?<!would )(?<!i'd )(?<!id )(?<!you'd )(?<!we'd )\blike|\bsimilar to|\bin the (?:vein|style|spirit) of|"
    r"\b(?:i |we )?(?:loved|liked|enjoyed|adored)|\bi (?:love|like|enjoy|adore)|\bfans? of|\bsuch as|"
    r"\breminds? me of|\breminiscent of|\balong the lines of|\bcomparable to|\bakin to|\bas good as|\bà la|\ba la|"
    r"\bthe same as|\bmore of)\s+"
)
YEAR_AFTER = re.compile(r"\s*\(?((?:18|19|20)\d\d)\)?(?![\w])")
MAX_TITLE_WORDS = 12
JOINING_WORDS = frozenset({"and", "or", "but", "with", "from", "for", "in", "of", "the", "a", "an", "to", "like"})
SERIES_OVER_TITLE = 5  # a series this many times better known than the one title of that name wins
MAX_CUES = 3  # titles looked for after the first three cues only: a request's cost is bounded
MAX_PREFIXED = 500  # titles a prefix may pick from
FUZZY_CUTOFF = 88  # rapidfuzz ratio, 0-100: "toy storry" -> "toy story" is 95
ARTICLES = ("the", "a", "an")


@dataclass(frozen=True)
class TitleEntry:
    item_id: int
    title: str
    year: int | None


@dataclass(frozen=True)
class TitleMatch:
    entry: TitleEntry
    start: int  # span in the text searched, the year after the title included (and the cue before it)
    end: int
    exact: bool


def title_key(text: str) -> str:
    """How a title is compared: lower case, letters and digits only, no leading article."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ").replace("'", "")).split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


# Letters NFKD leaves whole: folded by hand so "Bjørn" is found as "bjorn".
_UNFOLDED = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"})


def search_key(text: str) -> str:
    """How the catalogue search compares a title and what is searched for: case and accents folded
    ("Amélie": "amelie"), "&" as "and", apostrophes dropped ("Schindler's": "schindlers"), any other
    run of punctuation or spaces one space. Either side's words must then be found in the other's."""
    folded = unicodedata.normalize("NFKD", text.casefold()).translate(_UNFOLDED)
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    plain = re.sub(r"['\u2019\u2018`]", "", plain.replace("&", " and "))
    return " ".join(re.findall(r"[^\W_]+", plain))


class TitleIndex:
    """Every title a request may name. `entries` most popular first: same-name titles go to the first."""

    def __init__(
        self,
        entries: Iterable[TitleEntry],
        *,
        trailing_articles: tuple[str, ...] = ("The", "A", "An"),
        known: Callable[[list[int]], dict[int, int]] | None = None,
    ):
        """`known(item_ids)`: how well known each is (its number of ratings), asked only between titles a
        request could mean ("Titanic": 1953 or 1997); without it, the order of `entries` decides."""
        self.known = known
        self.keys: dict[str, list[TitleEntry]] = {}
        articles = "|".join(map(re.escape, trailing_articles)) or "(?!)"
        self._partial: set[tuple[str, int]] = set()  # (key, item): the key is only part of its title
        for entry in entries:
            full, keys = _title_keys(entry.title, articles)
            for key in keys:
                if key:
                    self.keys.setdefault(key, []).append(entry)
                    if key not in full:
                        self._partial.add((key, entry.item_id))
        self._key_list = list(self.keys)
        self._sorted_keys = sorted(self.keys)
        self._rank = {}
        for rank, entry in enumerate(e for entries in self.keys.values() for e in entries):
            self._rank.setdefault(entry.item_id, rank)
        self._longest = max((len(key.split()) for key in self.keys), default=0)

    def __len__(self) -> int:
        return len(self._key_list)

    def find_after_cues(self, text: str, *, refused: frozenset[str] = frozenset(), cased: str = "") -> list[TitleMatch]:
        """Titles named after a cue in `text` (lower case), and after "and"/"or" following one of those.
        A run of words that is all `refused` words ("like a heist movie", "like aliens": category words)
        is not a title, unless `cased` (the text as written, same length) has it capitalized ("like Aliens")."""
        found: list[TitleMatch] = []
        for cue in list(CUE.finditer(text))[:MAX_CUES]:
            position, said_from = cue.end(), cue.start()
            while match := self.find_at(text, position, refused=_uncapitalized(refused, cased, position)):
                found.append(replace(match, start=said_from))  # the cue goes with the title
                joiner = re.match(r"\s*(?:,\s*)?(?:and|or|,)\s+", text[match.end :])
                if not joiner:
                    break
                said_from, position = match.end, match.end + joiner.end()
        return _non_overlapping(found)

    def find_at(self, text: str, start: int, *, refused: frozenset[str] = frozenset()) -> TitleMatch | None:
        """The title whose words begin at `start`: the longest exact run of words, else the closest."""
        spans = [(m.start(), m.end()) for m in re.finditer(r"[^\s,.;:!?()\"]+", text[start:])][:MAX_TITLE_WORDS]
        words = [text[start + a : start + b] for a, b in spans]
        # Phrases that end a title's run: what comes next is about something else.
        for cut, word in enumerate(words):
            if word in {"but", "please", "except", "without"} and cut:
                words = words[:cut]
                break
        if not words or text[start + spans[0][0] - 1 : start + spans[0][0]] in {",", "."}:
            return None
        article = words[0] in ARTICLES[1:]  # "like a heist movie": a kind of item, unless the title has it
        longest = min(len(words), self._longest + 1)
        exact = 0
        for length in range(longest, 0, -1):
            phrase = " ".join(words[:length])
            key = title_key(phrase)
            if key in self.keys and not _refused(phrase, refused) and _article_fits(article, self.keys[key], phrase):
                exact = length
                break
        # A longer run that begins titles beats a shorter exact one: "star wars episode v" is Episode V.
        if prefixed := self._prefixed(words, longest, refused, shortest=max(exact + 1, 2)):
            return self._match(text, start, spans[prefixed[0] - 1][1], prefixed[1], exact=True)
        # A longer run close to a title beats a shorter exact one: "toy storry" is Toy Story, not "Toy".
        best: tuple[float, int, str] | None = None
        for length in range(longest, exact, -1):
            phrase = " ".join(words[:length])
            key = title_key(phrase)
            if len(key) < 5 or _refused(phrase, refused):
                continue
            hit = self._closest(key)
            if hit and (best is None or hit[1] > best[0]) and _article_fits(article, self.keys[hit[0]], phrase):
                best = (hit[1], length, hit[0])
        if best is not None:
            return self._match(text, start, spans[best[1] - 1][1], self.keys[best[2]], exact=False, key=best[2])
        if exact:
            key = title_key(" ".join(words[:exact]))
            return self._match(text, start, spans[exact - 1][1], self.keys[key], exact=True, key=key)
        return None

    def _closest(self, key: str) -> tuple[str, float] | None:
        """The key within a typo or two of `key` (a swap of letters counts as one: "matirx"), else the one
        most alike by rapidfuzz's ratio, at least FUZZY_CUTOFF; with its likeness, 0-100."""
        allowed = 1 if len(key) < 9 else 2 if len(key) < 16 else 3
        hit = process.extractOne(key, self._key_list, scorer=DamerauLevenshtein.distance, score_cutoff=allowed)
        if hit:
            return hit[0], 100.0 * (1 - hit[1] / max(len(key), len(hit[0])))
        hit = process.extractOne(key, self._key_list, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return (hit[0], hit[1]) if hit else None

    def _prefixed(
        self, words: list[str], longest: int, refused: frozenset[str], *, shortest: int = 2
    ) -> tuple[int, list] | None:
        """The longest run of `shortest` words or more that begins titles ("harry potter"), and those titles.
        A run ending in a joining word ("heat and", before "Ronin") is not one."""
        for length in range(longest, shortest - 1, -1):
            phrase = " ".join(words[:length])
            key = title_key(phrase)
            if len(key) < 8 or _refused(phrase, refused) or words[length - 1] in JOINING_WORDS:
                continue
            first = bisect.bisect_left(self._sorted_keys, key + " ")
            last = bisect.bisect_left(self._sorted_keys, key + " \uffff", lo=first)
            if first < last:
                entries = [e for k in self._sorted_keys[first : min(last, first + MAX_PREFIXED)] for e in self.keys[k]]
                return length, entries
        return None

    def _match(self, text: str, start: int, end: int, entries: list[TitleEntry], *, exact: bool, key: str = ""):
        """The entry meant: the one with the year written after the title, else the best known whose whole
        title it is ("Titanic": 1997), else the first of a series ("star wars": the earliest of the titles it
        begins), also when the series is far better known than the one title of that name."""
        year = YEAR_AFTER.match(text, start + end)
        whole = [entry for entry in entries if (key, entry.item_id) not in self._partial] if key else []
        series = [entry for entry in entries if entry not in whole]
        known = self.known([e.item_id for e in entries]) if self.known and len(entries) > 1 else {}

        def fame(group: list[TitleEntry]) -> int:
            return max((known.get(e.item_id, 0) for e in group), default=0)

        if whole and series and fame(series) > SERIES_OVER_TITLE * max(fame(whole), 1):
            whole = []  # "The Lord of the Rings": the trilogy everyone knows, not the little-seen 1978 film
        if whole:
            chosen = min(whole, key=lambda e: (-known.get(e.item_id, 0), self._rank[e.item_id]))
        else:
            chosen = min(series, key=lambda e: (e.year or 9999, self._rank[e.item_id]))
        if year:
            same_year = [entry for entry in entries if entry.year == int(year[1])]
            if same_year:
                chosen, end = same_year[0], year.end() - start
        return TitleMatch(entry=chosen, start=start, end=start + end, exact=exact)


def _title_keys(title: str, articles: str) -> tuple[set[str], set[str]]:
    """(the keys of the whole title, all its keys): as written, in reading order ("Matrix, The"), each name
    in parentheses ("Seven (a.k.a. Se7en)"), and the part before a colon or dash ("Star Wars")."""
    main = re.sub(r"\s*\(.*?\)\s*", " ", title).strip()
    natural = re.sub(rf"^(.+?), ({articles})$", r"\2 \1", main)
    keys = {title_key(main), title_key(natural)}
    for alternative in re.findall(r"\((?:a\.k\.a\. |aka )?([^)]+)\)", title):
        keys.add(title_key(re.sub(rf"^(.+?), ({articles})$", r"\2 \1", alternative)))
    full = set(keys)
    head = re.split(r":| - ", natural, maxsplit=1)[0]
    if head != natural and len(title_key(head)) >= 4:
        keys.add(title_key(head))
    return full, keys


def _uncapitalized(refused: frozenset[str], cased: str, position: int) -> frozenset[str]:
    """No refused words for a title written with a capital where it starts."""
    start = len(cased[position:]) - len(cased[position:].lstrip())
    capital = position + start < len(cased) and cased[position + start].isupper()
    return frozenset() if capital else refused


def _refused(phrase: str, refused: frozenset[str]) -> bool:
    words = [w for w in re.findall(r"[a-z0-9'-]+", phrase) if w not in ARTICLES]
    return bool(refused) and all(word in refused for word in words)


def _article_fits(article: bool, entries: list[TitleEntry], phrase: str) -> bool:
    """'like a heist' names a kind of item; 'like A Beautiful Mind' names the title that starts with 'A'."""
    if not article:
        return True
    first = phrase.split()[0]
    return any(re.match(rf"{first}\b|.*, {first}$", entry.title.lower()) for entry in entries)


def _non_overlapping(matches: list[TitleMatch]) -> list[TitleMatch]:
    kept: list[TitleMatch] = []
    for match in sorted(matches, key=lambda m: m.start):
        if not kept or match.start >= kept[-1].end:
            kept.append(match)
    return kept

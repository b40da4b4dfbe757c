"""Understanding a request in plain words: wanted and excluded categories, a year range, the titles it
names, the words the catalogue knows, and what nothing matched.

"something like Heat but funnier, not too old" -> anchored on Heat (1995) · Comedy · from 1980. Categories
are matched against the catalogue's own names, the domain's synonyms and staff's aliases, near-misses
(typos), and, when an encoder is given, embedding similarity. Titles come from a TitleIndex (language.titles).
Other words are looked up in what the catalogue says about its items (a KeywordMatcher: full-text search
in the database) and, failing that, reported as not understood: never silently dropped. Negated phrases
are excluded ("no horror", "no sequels") and kept out of the vector, so "no horror" never pulls toward horror.
"""

import difflib
import re
from collections.abc import Callable, Sequence

import numpy as np

from language.domain import Domain
from language.keywords import MAX_KEYWORD_CANDIDATES, MAX_KEYWORD_WORDS, as_written, longest_matches, split_on
from language.parsed import Anchor, Keyword, ParsedIntent
from language.titles import TitleIndex
from language.years import NEWER, OLDER, years_take

MAX_LENGTH = 500
MAX_ENCODED_WORDS = 48  # of a request, put to the encoder: the cost of one request is bounded
MAX_SIMILARITY_WORDS = 8  # single words of a request compared with the category names
# Words a phrase looked up never begins or ends with: "with tom hanks" is looked up as "tom hanks".
EDGE_WORDS = frozenset(
    re.findall(
        r"\S+",
        """a an the of and or but with without in on at to for from by about into over than as is are was were
        be i me my we our you your it its this that these those some any something anything like want please
        set no not nothing less more only very really""",
    )
)

NEGATION = re.compile(
    r"\b(?:no|not|non|nothing|none|without|except|excluding|exclude|avoid|avoiding|minus|skip|never|"
    r"hate|dislike|anything but|but not|other than|rather than|instead of|"
    r"(?:do not|don'?t|doesn'?t|does not|won'?t) (?:want|like|need|include|be)(?: any| a| an)?|"
    r"isn'?t|aren'?t|free of|less)\b[\s-]*"
)
# A negation reaches to the next clause boundary.
CLAUSE_END = re.compile(r"[,.;:!?()|]| and | but | with | from | in the | that | which | set in | for | please\b")
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1,
}  # fmt: skip
# "the second one", "number 3", "#2": an item of the list shown before, in a follow-up.
REFERENCE = re.compile(
    r"\b(?:the )?(?P<ordinal>" + "|".join(ORDINALS) + r") (?:one|item|result|pick|suggestion)s?\b"
    r"|(?:\bnumber |#)(?P<number>\d{1,2})\b"
)

FILLER = frozenset(
    re.findall(
        r"\S+",
        """a an the i i'd id im i'm me my we us our want wanted would like love looking look for to watch see show
    give find recommend recommendation recommendations suggest suggestion something anything some any
    one ones please tonight today now with of about in on from that is are be was were has have had
    it its it's this these those and or but kind sort type very really quite bit little lot good great nice
    best top just also maybe perhaps can could you your please set made released year years era time
    more less only same similar other else different whole entire stuff things thing ones get got need
    feel feeling mood vibe night evening weekend watching seen saw go going think what where who how which
    too so much many again instead still even there their they them he she his her him as at by into than
    then when while all both each every few most much own same should will shall may might must do does
    did done let lets let's make ok okay thanks thank hey hi hello yes no not
    directed starring featuring stars starred acted acting played plays playing written wrote by based takes
    take place located happening happens involving including include includes containing features""",
    )
)

Encode = Callable[[list[str]], np.ndarray]
# Phrases -> the field of the items each matched in ("keywords", "title", "description"); unmatched are absent.
KeywordMatcher = Callable[[Sequence[str]], dict[str, str]]


class IntentParser:
    """Parses requests against one catalogue's category names (and their aliases: phrase -> category name),
    in its domain's words. Build once, parse many.

    `encode` (texts -> unit vectors) enables matching unlisted words to categories by embedding
    similarity; without it only names, synonyms and near-misses match. `titles` finds the titles named,
    `match_keywords` the words the catalogue's items mention; without them neither is looked for.
    """

    def __init__(
        self,
        category_names: list[str],
        *,
        current_year: int,
        domain: Domain,
        aliases: dict[str, str] | None = None,
        encode: Encode | None = None,
        titles: TitleIndex | None = None,
        match_keywords: KeywordMatcher | None = None,
        similarity_threshold: float = 0.5,
        similarity_margin: float = 0.03,
    ):
        self.current_year = current_year
        self.encode = encode
        self.titles = titles
        self.match_keywords = match_keywords
        self.similarity_threshold = similarity_threshold
        self.similarity_margin = similarity_margin
        self.filler = FILLER | domain.item_words
        self._item_words = domain.item_words
        self.natural = domain.natural_title
        self.phrases = category_phrases(category_names, domain=domain, aliases=aliases)
        self._phrase_pattern = phrase_pattern(self.phrases)
        self._single_words = [phrase for phrase in self.phrases if " " not in phrase and len(phrase) >= 4]
        self._category_words = frozenset(w for phrase in self.phrases for w in phrase.split()) | self.filler
        # Words that only name a category ("comedy", "funny"): never looked up as keywords. A synonym that
        # is also a subject ("time travel", "zombies", "mafia") is: items tagged with it rank first.
        plain = [re.split(r"[\s-]+", name.lower()) for name in category_names]
        plain += [phrase.split() for words in domain.descriptions.values() for phrase in words]
        self._category_only = frozenset(w for words in plain for w in words)
        self._category_stems = frozenset(w[:5] for w in self._category_only if len(w) >= 5)
        self._names = list(category_names)
        self._name_vectors = encode([f"{name} {domain.plural}" for name in category_names]) if encode else None

    def parse(self, text: str) -> ParsedIntent:
        """Raises ValueError for an empty request or one over MAX_LENGTH characters."""
        if not text or not text.strip():
            raise ValueError("the request is empty")
        if len(text) > MAX_LENGTH:
            raise ValueError(f"the request is longer than {MAX_LENGTH} characters")
        cased = " " + re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2013", "-")) + " "
        work = cased.lower()
        notes: list[str] = []

        references, work = _references(work)
        anchors, work = self._anchors(work, cased if len(cased) == len(work) else "")
        year_min, year_max, rest = years_take(work, current_year=self.current_year)
        # "older ones": than the list shown before, when nothing else in the request gives a year.
        relative = next((word for word, cue in (("older", OLDER), ("newer", NEWER)) if cue.search(work)), "")
        without_relative = NEWER.sub(" ", OLDER.sub(" ", work))
        if relative and years_take(without_relative, current_year=self.current_year)[:2] != (None, None):
            relative = ""
        anchor_years = [a.year for a in anchors if a.year]
        if relative:  # the word is understood: as years now, or in the follow-up against the list shown
            rest = NEWER.sub(" | ", OLDER.sub(" | ", rest))
        if relative and anchor_years:  # "like Inception but older": than the title named
            year_min, year_max = (None, min(anchor_years) - 1) if relative == "older" else (max(anchor_years) + 1, None)
            relative = ""
        work = rest
        excluded, negated_words, work = self._negations(work, notes)
        wanted, named = self._categories(work, notes)
        understood = set(named)
        words = [w for w in _words(work) if w not in self.filler]
        residual = " ".join(words)
        vector = None
        if self.encode is not None:
            # One encoder call for the residual text and the words to try against the category names.
            # Bounded: the first MAX_ENCODED_WORDS words as the request's vector, and at most
            # MAX_SIMILARITY_WORDS single words against the category names, in a batch of their own (one
            # batch pads every text to the longest).
            unmatched = self._unmatched(words)[:MAX_SIMILARITY_WORDS]
            encoded = " ".join((residual or " ".join(wanted) or text.strip()).split()[:MAX_ENCODED_WORDS])
            vector = self.encode([encoded])[0]
            guessed_notes: list[str] = []
            word_vectors = self.encode(unmatched) if unmatched else np.zeros((0, len(vector)), dtype=np.float32)
            guessed = self._by_similarity(unmatched, word_vectors, set(wanted) | set(excluded), guessed_notes)
        else:
            guessed, guessed_notes = [], []
        # Synonyms are looked up too ("time travel": Sci-Fi, and items tagged so first); the category's own
        # words and near-misses of them ("comdy") are not.
        plain = {w for w in named if self._names_category(w) or w not in self._category_words}
        keywords, avoided = self._keywords(work, negated_words, plain)
        keywords, avoided = [as_written(k, cased) for k in keywords], [as_written(k, cased) for k in avoided]
        mentioned = {w for k in (*keywords, *avoided) for w in k.phrase.split()}
        # A word items mention is taken as that, not as the category its embedding is nearest to: "a Quentin
        # Tarantino movie" mentions Tarantino, and is no Film-Noir.
        for (word, name), note in zip(guessed, guessed_notes, strict=True):
            if word not in mentioned:
                wanted.append(name)
                understood.add(word)
                notes.append(note)
        understood |= mentioned
        not_understood = [
            w for w in dict.fromkeys([*words, *(w for chunk in negated_words for w in chunk)])
            if w not in understood and w not in self.filler and w not in self.phrases and not w.isdigit()
        ]  # fmt: skip
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
            anchors=tuple(anchors),
            keywords=tuple(keywords),
            avoided=tuple(avoided),
            unmatched=tuple(not_understood),
            references=tuple(references),
            relative=relative,
            vector=vector,
        )

    # --- titles and keywords ---------------------------------------------------------------------
    def _anchors(self, work: str, cased: str) -> tuple[list[Anchor], str]:
        if self.titles is None:
            return [], work
        found = self.titles.find_after_cues(work, refused=self._category_words, cased=cased)
        for match in reversed(found):
            work = work[: match.start] + " | " + work[match.end :]
        anchors = [
            Anchor(item_id=m.entry.item_id, title=m.entry.title, year=m.entry.year, label=self.natural(m.entry.title))
            for m in found
        ]
        return list({a.item_id: a for a in anchors}.values()), work

    def _keywords(
        self, work: str, negated: list[list[str]], understood: set[str]
    ) -> tuple[list[Keyword], list[Keyword]]:
        """The longest runs of leftover words the catalogue mentions, wanted and (from negations) refused.
        A phrase may hold common words ("time travel", "will ferrell") but not begin or end with one
        ("with tom"), and a single word is looked up only if it is not a common word."""
        if self.match_keywords is None:
            return [], []
        runs = [run for chunk in work.split("|") for run in split_on(_words(chunk), understood)]
        candidates = dict.fromkeys(  # in the order they were written: the first MAX_KEYWORD_CANDIDATES count
            phrase
            for run in [*runs, *negated]
            for i in range(len(run))
            for size in range(1, MAX_KEYWORD_WORDS + 1)
            if i + size <= len(run) and (phrase := self._lookup_phrase(run[i : i + size]))
        )
        found = self.match_keywords(list(candidates)[:MAX_KEYWORD_CANDIDATES]) if candidates else {}
        return longest_matches(runs, found), longest_matches(negated, found)

    def _names_category(self, word: str) -> bool:
        """A category's own word, or a form of one ("dramas", "westerns", "comedies")."""
        return word in self._category_only or (len(word) >= 5 and word[:5] in self._category_stems)

    def _lookup_phrase(self, words: list[str]) -> str:
        """The words as a phrase worth looking up, or ""."""
        phrase = " ".join(words)
        if phrase in self.phrases and all(self._names_category(w) for w in words):
            return ""
        if len(words) == 1:
            return phrase if phrase not in self.filler and len(phrase) >= 2 and not phrase.isdigit() else ""
        edges = EDGE_WORDS | self.filler & self._item_words
        if words[0] in edges or words[-1] in edges or all(w in self.filler for w in words):
            return ""
        return phrase

    # --- categories ------------------------------------------------------------------------------
    def _negations(self, work: str, notes: list[str]) -> tuple[list[str], list[list[str]], str]:
        """(excluded categories, the runs of negated words no category took, the text without negations)."""
        excluded: list[str] = []
        rest: list[list[str]] = []
        while match := NEGATION.search(work):
            end = CLAUSE_END.search(work, match.end())
            scope_end = end.start() if end else len(work)
            scope = work[match.end() : scope_end]
            found, named = self._categories(" " + scope + " ", notes, negated=True)
            if not found and self.encode is not None:
                unmatched = self._unmatched(_words(scope))
                if unmatched:
                    found = [
                        name for _, name in
                        self._by_similarity(unmatched, self.encode(unmatched), set(), notes, negated=True)
                    ]  # fmt: skip
            excluded += found
            if not found:
                rest += split_on(_words(scope), frozenset(named))
            # Drop the cue and its scope from what is parsed next and from the vector text.
            work = work[: match.start()] + " | " + work[scope_end:]
        return excluded, rest, work

    def _categories(self, work: str, notes: list[str], *, negated: bool = False) -> tuple[list[str], set[str]]:
        """(the categories named, the words that named them)."""
        found: list[str] = []
        matched: set[str] = set()

        def hit(match: re.Match) -> str:
            names = self.phrases[match[0]]
            found.extend(names)
            matched.update(match[0].split())
            notes.append(f"{'not ' if negated else ''}{'+'.join(names)} <- {match[0]!r}")
            return " " + match[0] + " "

        self._phrase_pattern.sub(hit, work)
        # Near-misses of single-word phrases ("comdy", "animted"), for words no phrase matched.
        for word in sorted(set(re.findall(r"[a-z][a-z'-]{3,}", work)) - matched - self.filler):
            close = difflib.get_close_matches(word, self._single_words, n=1, cutoff=0.84)
            if close:
                names = self.phrases[close[0]]
                found.extend(names)
                notes.append(f"{'not ' if negated else ''}{'+'.join(names)} <- {word!r} (as {close[0]!r})")
                matched.add(word)
        return found, matched

    def _unmatched(self, words: list[str]) -> list[str]:
        """Content words no phrase matched, worth comparing with the category names."""
        return [w for w in dict.fromkeys(words) if len(w) >= 4 and w not in self.phrases and w not in self.filler]

    def _by_similarity(
        self, words: list[str], vectors: np.ndarray, already: set[str], notes: list[str], *, negated: bool = False
    ) -> list[tuple[str, str]]:
        """(word, category) for the words whose embeddings are clearly closest to a category's name."""
        if not words or not self._names:
            return []
        found = []
        for word, row in zip(words, vectors @ self._name_vectors.T, strict=True):
            second, best = np.argsort(row)[-2:] if len(row) > 1 else (None, 0)
            name = self._names[best]
            clear = second is None or row[best] - row[second] >= self.similarity_margin
            if row[best] >= self.similarity_threshold and clear and name not in already:
                found.append((word, name))
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
    longest_first = sorted((phrase for phrase in phrases if phrase), key=len, reverse=True)
    if not longest_first:  # a catalogue with no categories: nothing to match (an empty pattern matches anywhere)
        return re.compile(r"(?!)")
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, longest_first)) + r")(?![\w-])")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'-]*", text)


def _references(work: str) -> tuple[list[int], str]:
    positions = [int(m["number"]) if m["number"] else ORDINALS[m["ordinal"]] for m in REFERENCE.finditer(work)]
    return positions, REFERENCE.sub(" | ", work)

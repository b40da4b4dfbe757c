"""The guard every generated reason passes before it is shown: it may claim only what the facts say.

Rejected: a year other than the item's (or a decade it is not in), a genre the item lacks (also inside
compounds: "action-packed"), a title or name we did not give (runs of capitalised words that are not the
item's or the liked items' titles, and any other catalogue title, one word too), a reason about a liked
title rather than the item ("Aliens is a ..." when Aliens is what the user liked), a length outside one or
two short sentences, repetition loops, echoes of the prompt, and any content word that traces to no fact
(language.grounding).
"""

import re
from dataclasses import dataclass

from language.domain import Domain
from language.grounding import FUNCTION_WORDS, untraced
from language.intent import category_phrases
from language.prompts import ReasonFacts

MIN_LENGTH, MAX_LENGTH = 20, 240
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
WORD = re.compile(r"[\w'\u2019]+")
LONGEST_TITLE_WORDS = 12
DECADE = re.compile(r"(?<![\w'])(?:(1[89]|20)(\d)0s|'?(\d)0s)(?!\w)")
# Capitalised words that may start a sentence or join a title without being a claim themselves.
COMMON_CAPITALISED = {
    "a", "an", "the", "and", "of", "in", "on", "with", "for", "to", "this", "it", "its", "if", "you", "your",
    "because", "like", "fans", "as", "both", "that", "here", "just", "much", "another", "i",
    # ordinary words that are also one-word film titles ("Perfect for fans of ...")
    "perfect", "more", "love", "fun", "great", "best", "good", "enjoy", "watch", "classic",
}  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    ok: bool
    problems: tuple[str, ...] = ()

    def __str__(self) -> str:
        return "ok" if self.ok else "; ".join(self.problems)


class ReasonGuard:
    """Checks reasons against the facts, for one catalogue's category names (and aliases) and titles."""

    def __init__(
        self,
        category_names: list[str],
        titles: list[str] = (),
        *,
        domain: Domain,
        aliases: dict[str, str] | None = None,
    ):
        self.domain = domain
        self.phrases = category_phrases(category_names, domain=domain, aliases=aliases)
        labels = [domain.noun, "Year", domain.category_label, "Tags", "Liked", "Reason"]
        self.prompt_labels = re.compile(rf"\b(?:{'|'.join(map(re.escape, labels))})\s*:", re.IGNORECASE)
        # Whole words, but a hyphen does not protect one: "action-packed" claims Action.
        longest_first = sorted(self.phrases, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, longest_first)) or "(?!)"  # no categories: matches nothing
        self.pattern = re.compile(r"(?<!\w)(?:" + alternatives + r")(?!\w)")
        self.category_names = category_names
        allowed = {name.lower() for name in category_names} | COMMON_CAPITALISED
        self.titles = {
            key
            for title in titles
            for form in (title, domain.natural_title(title))
            if (key := _title_key(form)) and (" " in key or (len(key) >= 4 and key not in allowed))
        }

    def check(self, text: str, facts: ReasonFacts, *, prompt: str = "") -> Verdict:
        problems: list[str] = []
        stripped = text.strip()
        # Titles and the request's summary are given: they may hold years, genre words, names or dots.
        rest = stripped
        natural = self.domain.natural_title
        liked = {form for title in facts.evidence_titles for form in (title, natural(title))}
        given = {facts.title, natural(facts.title), *liked, *facts.tags, *([facts.intent] if facts.intent else [])}
        problems += _misuses_a_liked_title(stripped, liked - {facts.title, natural(facts.title)}, domain=self.domain)
        labelled = stripped  # for the label check: the titles given stand as "_" ("Indie Game: The Movie")
        prompt_rest = prompt  # for the echo check: a title given is no echo, however long
        for title in sorted(given, key=len, reverse=True):
            pattern = rf"(?<!\w){re.escape(title)}(?!\w)"
            rest = re.sub(pattern, " ", rest, flags=re.IGNORECASE)
            labelled = re.sub(pattern, "_", labelled, flags=re.IGNORECASE)
            prompt_rest = re.sub(pattern, " _ ", prompt_rest, flags=re.IGNORECASE)
        if len(stripped) < MIN_LENGTH or len(rest) > MAX_LENGTH:
            problems.append(f"length {len(stripped)} outside {MIN_LENGTH}-{MAX_LENGTH} (titles aside)")
        if len([word for word in WORD.findall(rest) if word.lower() not in FUNCTION_WORDS]) < 2:
            problems.append("says next to nothing beyond the titles")
        if len(re.findall(r"[.!?](?:\s|$)", rest)) > 2:
            problems.append("more than two sentences")
        problems += self._years(rest, facts)
        problems += self._genres(rest, facts)
        problems += self._names(rest, facts)
        problems += self._other_titles(rest)
        reported = " ".join(problems)  # a year, genre or name already refused is not reported twice
        problems += [
            f"says {word!r}, which no fact holds"
            for word in untraced(stripped, facts, domain=self.domain)
            if word not in reported
        ]
        problems += _repetition(rest)
        if self.prompt_labels.search(labelled) or _echoes(labelled.replace("_", " _ "), prompt_rest):
            problems.append("echoes the prompt")
        return Verdict(ok=not problems, problems=tuple(problems))

    @staticmethod
    def _years(text: str, facts: ReasonFacts) -> list[str]:
        problems = [f"year {y} is not the item's" for y in YEAR.findall(text) if int(y) != facts.year]
        for century, digit, short in DECADE.findall(text):
            start = int(century) * 100 + int(digit) * 10 if century else None
            if facts.year is None:
                problems.append("names a decade for an item with no year")
            elif start is not None and not start <= facts.year <= start + 9:
                problems.append(f"the {start}s are not the item's decade")
            elif start is None and (facts.year // 10) % 10 != int(short):
                problems.append(f"the '{short}0s are not the item's decade")
        return problems

    def _genres(self, text: str, facts: ReasonFacts) -> list[str]:
        have = set(facts.categories)
        tags = {tag.lower() for tag in facts.tags}
        problems = []
        for match in self.pattern.finditer(text.lower()):
            named = self.phrases[match[0]]
            if not set(named) <= have and match[0] not in tags:
                problems.append(f"calls it {match[0]!r} but it is not {'/'.join(named)}")
        return problems

    def _names(self, text: str, facts: ReasonFacts) -> list[str]:
        """Runs of two or more capitalised words are names or titles; we only gave the item's and the
        liked items' titles (already removed, and their words: "fans of Indiana Jones"), the tags, and
        category names."""
        given = (facts.title, *facts.evidence_titles, *facts.tags)
        allowed = {name.lower() for name in self.category_names}
        allowed |= {word.lower() for text in given for word in re.findall(r"[\w'\u2019-]+", text)}
        problems = []
        for run in re.findall(r"(?:\b[A-Z][\w'\u2019-]*(?:\s+|$)){2,}", text):
            words = [w for w in run.split() if w.lower() not in COMMON_CAPITALISED and w.lower() not in allowed]
            if len(words) >= 2:
                problems.append(f"names {run.strip()!r}, which we did not give")
        # A capitalised word inside a sentence is a name too ("a Disney comedy").
        for sentence in re.split(r"[.!?:;]\s+", text):
            for word in re.findall(r"[\w'\u2019-]+", sentence)[1:]:
                if word[0].isupper() and word.lower() not in COMMON_CAPITALISED | allowed:
                    problems.append(f"names {word!r}, which we did not give")
        return list(dict.fromkeys(problems))

    def _other_titles(self, text: str) -> list[str]:
        """Catalogue titles in the text (the given ones are already removed), starting at a capital."""
        words = list(WORD.finditer(text))
        problems = []
        for start, first in enumerate(words):
            if not first[0][0].isupper():
                continue
            for end in range(start + 1, min(start + LONGEST_TITLE_WORDS, len(words)) + 1):
                if " ".join(word[0].lower() for word in words[start:end]) in self.titles:
                    named = text[first.start() : words[end - 1].end()]
                    problems.append(f"names the title {named!r}, which we did not give")
        return list(dict.fromkeys(problems))


def _title_key(text: str) -> str:
    return " ".join(WORD.findall(text.lower()))


def _misuses_a_liked_title(text: str, liked: set[str], *, domain: Domain) -> list[str]:
    """A reason that describes one of the user's liked titles ("Aliens is a ...") instead of the item, or
    makes the item one of them ("a Batman movie")."""
    problems = []
    for title in sorted(liked):
        name = re.escape(title)
        if re.search(rf"(?<!\w){name}(?:'s)?\s+(?:is|was|has|remains)\b", text, re.IGNORECASE):
            problems.append(f"describes {title!r}, which the user liked, instead of the item")
        series = "|".join(map(re.escape, domain.series_words)) or "(?!)"
        if re.search(rf"\b(?:a|an|the|another)\s+{name}\s+(?:{series})\b", text, re.IGNORECASE):
            problems.append(f"makes the item a {title!r} {domain.kind}")
    return problems


def _repetition(text: str) -> list[str]:
    words = re.findall(r"\w+", text.lower())
    trigrams = [tuple(words[i : i + 3]) for i in range(len(words) - 2)]
    if len(trigrams) != len(set(trigrams)):
        return ["repeats itself"]
    if any(words[i] == words[i + 1] for i in range(len(words) - 1)):
        return ["repeats a word"]
    return []


def _echoes(text: str, prompt: str, *, span: int = 8) -> bool:
    """Whether `text` copies a run of `span` words from the prompt."""
    if not prompt:
        return False
    words = re.findall(r"\w+", text.lower())
    source = " " + " ".join(re.findall(r"\w+", prompt.lower())) + " "
    return any(f" {' '.join(words[i : i + span])} " in source for i in range(len(words) - span + 1))

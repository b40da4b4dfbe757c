"""The independent claim audit of a reason: what it says that its facts do not, found by matching of its own
(not the guard's), so that a reason the guard let through is checked a second way. The reason benchmark
and the generator's tuning (language.tuning) both count its findings as unsupported claims.

Each content word must be found in the facts (title, year, categories and their genre words below, tags,
liked titles, the request) or in the reviewed free words (language.grounding's function and closed lists);
a year other than the item's, a genre word for a genre it lacks, or another catalogue title is a claim too.
"""

import re

from language.domain import Domain
from language.grounding import CLOSED_WORDS, FUNCTION_WORDS
from language.prompts import ReasonFacts

# Words that claim a genre (MovieLens's genres), kept apart from the guard's own vocabulary on purpose.
GENRE_WORDS = {
    "Action": ["action"],
    "Adventure": ["adventure", "adventures"],
    "Animation": ["animation", "animated", "cartoon"],
    "Children": ["children", "children's", "kids", "family film"],
    "Comedy": ["comedy", "comedies", "comedic", "funny"],
    "Crime": ["crime", "gangster", "heist"],
    "Documentary": ["documentary"],
    "Drama": ["drama", "dramatic"],
    "Fantasy": ["fantasy"],
    "Film-Noir": ["film-noir", "noir"],
    "Horror": ["horror", "scary"],
    "IMAX": ["imax"],
    "Musical": ["musical"],
    "Mystery": ["mystery", "whodunit"],
    "Romance": ["romance", "romantic", "love story"],
    "Sci-Fi": ["sci-fi", "science fiction", "science-fiction"],
    "Thriller": ["thriller", "thrillers"],
    "War": ["war film", "war movie", "wartime"],
    "Western": ["western", "cowboy"],
}
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")


def unsupported_claims(text: str, facts: ReasonFacts, other_titles: list[re.Pattern], *, domain: Domain) -> list[str]:
    """What `text` says that the facts do not: content words found in no fact, years and genre words the
    item does not have, and other catalogue titles (`other_titles`, from title_patterns)."""
    given = [facts.title, *facts.evidence_titles]
    given += [domain.natural_title(title) for title in given]
    rest = text
    for title in sorted(set(given), key=len, reverse=True):
        rest = re.sub(rf"(?<!\w){re.escape(title)}(?!\w)", " ", rest, flags=re.IGNORECASE)
    claims = [f"year {year}" for year in re.findall(r"\b(1[89]\d\d|20\d\d)\b", rest) if int(year) != facts.year]
    tags = " ".join(facts.tags).lower()
    for genre, words in GENRE_WORDS.items():
        for word in words:
            if genre not in facts.categories and word not in tags and re.search(rf"\b{re.escape(word)}\b", rest, re.I):
                claims.append(f"genre {genre} ({word!r})")
    claims += [f"title {pattern.pattern!r}" for pattern in other_titles if pattern.search(rest)]
    known = _audit_words(facts, domain=domain)
    claims += [f"word {word!r}" for word in _WORD.findall(rest.lower()) if not _known(word, known)]
    return claims


def title_patterns(titles: list[str], *, domain: Domain) -> list[re.Pattern]:
    """Patterns for catalogue titles worth looking for, as written (capitalised): two words or more
    ("Heat" is also a word), also in reading order ("American President, The")."""
    patterns = []
    for title in set(titles):
        for form in {title, domain.natural_title(title)}:
            if len(form.split()) >= 2:
                patterns.append(re.compile(rf"(?<!\w){re.escape(form)}(?!\w)"))
    return patterns


def _audit_words(facts: ReasonFacts, *, domain: Domain) -> set[str]:
    texts = [facts.title, domain.natural_title(facts.title), *facts.categories, *facts.tags, *facts.evidence_titles]
    texts += [domain.natural_title(title) for title in facts.evidence_titles] + [facts.intent]
    texts += [word for genre in facts.categories for word in GENRE_WORDS.get(genre, [])]
    texts += ["movie movies film films"]
    if facts.year:
        decade = facts.year // 10 * 10
        texts.append(f"{facts.year} {decade}s {decade % 100:02d}s")
    words = {word for text in texts for word in _WORD.findall(text.lower())}
    return words | {part for word in words for part in word.split("-")}


def _known(word: str, known: set[str]) -> bool:
    if word in FUNCTION_WORDS or word in CLOSED_WORDS:
        return True
    stems = {word, word.removesuffix("'s"), word.removesuffix("s"), word.removesuffix("es"), word.removesuffix("ed"),
             word.removesuffix("d"), word.removesuffix("ing")}  # fmt: skip
    return bool(stems & (known | FUNCTION_WORDS | CLOSED_WORDS)) or all(
        part in known for part in word.split("-") if part
    )

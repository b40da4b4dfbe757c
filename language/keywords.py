"""Keywords: the phrases of a request looked up in what the catalogue's items mention, longest first."""

import re
from dataclasses import replace

from language.parsed import Keyword

MAX_KEYWORD_WORDS = 3  # the longest phrase looked up as a keyword ("new york city")
MAX_KEYWORD_CANDIDATES = 60  # phrases of one request looked up (one query), however long it is


def split_on(words: list[str], breaks: frozenset[str]) -> list[list[str]]:
    """Runs of consecutive words, broken at (and without) the `breaks` words."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word in breaks:
            runs.append([])
        else:
            runs[-1].append(word)
    return [run for run in runs if run]


def longest_matches(runs: list[list[str]], found: dict[str, str]) -> list[Keyword]:
    """The longest matched phrases in each run, left to right, none overlapping."""
    keywords: dict[str, Keyword] = {}
    for run in runs:
        i = 0
        while i < len(run):
            for size in range(min(MAX_KEYWORD_WORDS, len(run) - i), 0, -1):
                phrase = " ".join(run[i : i + size])
                if phrase in found:
                    keywords.setdefault(phrase, Keyword(phrase=phrase, field=found[phrase]))
                    i += size
                    break
            else:
                i += 1
    return list(keywords.values())


def as_written(keyword: Keyword, cased: str) -> Keyword:
    """The keyword with its label as the request wrote it ("Stephen King" for "stephen king")."""
    pattern = r"(?<![\w])" + r"\W+".join(map(re.escape, keyword.phrase.split())) + r"(?![\w])"
    found = re.search(pattern, cased, flags=re.IGNORECASE)
    return replace(keyword, label=found[0] if found else keyword.phrase)

"""A catalogue domain: everything the language parts know about what the items are (movies, books, ...).

The words for an item, the prompt's labels, how titles are written, the category synonyms and the
worked examples of the reason writer come from a TOML file (language/domains/movies.toml), never from
the parser's, the guard's or the prompts' code. RECSITE_DOMAIN names one of DOMAINS or a file's path.
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOMAINS = {"movies": Path(__file__).resolve().parent / "domains" / "movies.toml"}


class DomainError(Exception):
    pass


@dataclass(frozen=True)
class Example:
    """One worked example of the reason writer's few-shot prompt."""

    title: str
    year: int | None
    categories: tuple[str, ...]
    liked: tuple[str, ...]
    reason: str
    request: str = ""  # the request the example's list was made for, if any


@dataclass(frozen=True)
class Domain:
    name: str
    noun: str  # "movie": the prompt's label, the strict retry's instruction
    kind: str  # "film": the template reason's noun
    plural: str  # "movies": how a category name is put to the encoder
    item_words: frozenset[str]  # words for an item in a request, never a constraint
    series_words: tuple[str, ...]  # words that make an item one of a title's ("a Batman movie")
    category_label: str  # "Genres"
    trailing_articles: tuple[str, ...]  # "Matrix, The" -> "The Matrix"
    synonyms: dict[str, tuple[str, ...]]  # category key -> phrases that name it in a request
    descriptions: dict[str, tuple[str, ...]]  # category key -> words true of every item in it, for reasons
    combined: dict[str, tuple[str, ...]]  # phrase -> category keys it names together
    examples: tuple[Example, ...]

    @classmethod
    def from_toml(cls, text: str, *, source: str = "domain") -> "Domain":
        """The domain a TOML text defines; DomainError names what is missing or malformed."""
        try:
            data = tomllib.loads(text)
            item, titles = data["item"], data.get("titles", {})
            return cls(
                name=data["name"],
                noun=item["noun"],
                kind=item["kind"],
                plural=item["plural"],
                item_words=frozenset(item.get("words", ())),
                series_words=tuple(item.get("series_words", ())),
                category_label=data["categories"]["label"],
                trailing_articles=tuple(titles.get("trailing_articles", ())),
                synonyms={key: tuple(phrases) for key, phrases in data.get("synonyms", {}).items()},
                descriptions={key: tuple(words) for key, words in data.get("descriptions", {}).items()},
                combined={phrase: tuple(keys) for phrase, keys in data.get("combined", {}).items()},
                examples=tuple(
                    Example(
                        title=example["title"],
                        year=example.get("year"),
                        categories=tuple(example["categories"]),
                        liked=tuple(example.get("liked", ())),
                        reason=example["reason"],
                        request=example.get("request", ""),
                    )
                    for example in data.get("examples", ())
                ),
            )
        except tomllib.TOMLDecodeError as exc:
            raise DomainError(f"{source}: not TOML ({exc})") from None
        except KeyError as exc:
            raise DomainError(f"{source}: missing {exc.args[0]!r}") from None

    def natural_title(self, title: str) -> str:
        """A catalogue title in reading order: "Matrix, The" -> "The Matrix", also before a parenthesis
        ("City of Lost Children, The (Cité des enfants perdus, La)" -> "The City of Lost Children (...)")."""
        if not self.trailing_articles:
            return title
        articles = "|".join(map(re.escape, self.trailing_articles))
        # An elided article joins its word: "Avventura, L'" -> "L'Avventura".
        return re.sub(
            rf"^(.+?), ({articles})(?=$| \()",
            lambda m: m[2] + ("" if m[2].endswith(("'", "\u2019")) else " ") + m[1],
            title,
        )

    def without_article(self, title: str) -> str:
        """A title in reading order without its leading article, as a search compares titles: "The
        Shawshank", "Shawshank Redemption, The" -> "Shawshank..."; unchanged when nothing would be left."""
        natural = self.natural_title(title.strip())
        for article in sorted(self.trailing_articles, key=len, reverse=True):
            elided = article.endswith(("'", "\u2019"))
            head, rest = natural[: len(article)], natural[len(article) :]
            if head.casefold() == article.casefold() and (elided or rest[:1].isspace()) and rest.strip():
                return rest.strip()
        return natural


@cache
def domain_load(name_or_path: str) -> Domain:
    """A domain by its name in DOMAINS, or from a TOML file's path; loaded once per process."""
    path = DOMAINS.get(name_or_path) or Path(name_or_path)
    if not path.is_file():
        raise DomainError(f"no domain {name_or_path!r}: use {' or '.join(DOMAINS)}, or the path of a domain TOML file")
    return Domain.from_toml(path.read_text(encoding="utf-8"), source=str(path))

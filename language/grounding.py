"""Grounded by construction: every content word of a reason traces to a fact we hold.

A reason may use function words freely, and content words (nouns, adjectives, verbs) only when they trace
to the fact set: the item's title, year and categories (with the domain's synonyms for them), its tags,
the titles of the liked items that led to it, the request, and the domain's words for an item. Beyond
those, only the short closed list below of connecting and evaluative words, kept here and only here, for
review. The guard refuses a reason with an untraced word; the generator is steered toward the same words
while it writes (`allowed_words`, used by language.constrain).
"""

import re
from dataclasses import dataclass

from language.domain import Domain
from language.prompts import ReasonFacts

# Words that carry no claim: articles, pronouns, prepositions, conjunctions, auxiliaries, quantifiers.
FUNCTION_WORDS = frozenset(
    re.findall(
        r"\S+",
        """a an the and or but nor of in on at to for with from by as into onto about over under after before
    between through during without within along across around up down out off than then so if because since
    while though although yet still even also too very just only more most much many few some any each every
    all whole both either neither no not other another same such own this that these those it its it's itself
    you your yours yourself he him his she her hers they them their theirs we us our i me my who whom whose
    which what when where why how here there is are was were be been being am has have had having do does did
    will would can could may might must shall should one ones something someone anything anyone""",
    )
)
# The closed list: connecting and evaluative words a reason may use without a fact behind them. Review any
# addition: a word here can never be refused, so it must claim nothing about the item.
CLOSED_WORDS = frozenset(
    re.findall(
        r"\S+",
        """like liked likes love loved loves appeal appeals enjoy enjoyed enjoys enjoyable fan fans fond great good
    fine nice fun perfect pick choice worth watch watching see seeing recommend recommended favourite favorite treat
    similar similarly alike spirit style vein kind sort mix mixes mixing blend blends combine combines
    combining bring brings offer offers make makes made feel feels fit fits fitting match matches matching
    request requested asked ask want wanted wish looking look next another way well highly rate rated many
    people everyone viewers audiences tonight evening pair pairs follow follows same share shares sharing
    plenty lots lot full""",
    )
)
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019-]*")
DECADE_WORDS = {
    1920: "twenties", 1930: "thirties", 1940: "forties", 1950: "fifties", 1960: "sixties", 1970: "seventies",
    1980: "eighties", 1990: "nineties",
}  # fmt: skip

# The kinds of fact a word can trace to, in the order a trace reports them.
TITLE, YEAR, CATEGORY, TAG, LIKED, REQUEST, DOMAIN = "title", "year", "category", "tag", "liked", "request", "domain"
FUNCTION, CLOSED = "function", "closed"
# Kinds that link the item to something beyond its own title, for informativeness.
LINKING_KINDS = frozenset({YEAR, CATEGORY, TAG, LIKED, REQUEST})


@dataclass(frozen=True)
class TracedWord:
    word: str
    kind: str | None  # a fact kind, FUNCTION or CLOSED; None: traces to nothing
    fact: str = ""  # the fact it traces to ("Sci-Fi", "Alien", "1995"), empty for function / closed words


@dataclass(frozen=True)
class FactWords:
    """Every word the facts hold, each with the fact it came from."""

    by_form: dict[str, list[tuple[str, str]]]  # normalised form -> every (kind, fact) it comes from

    def lookup(self, word: str) -> list[tuple[str, str]]:
        """Every (kind, fact) the word traces to, the first kind first; empty if none."""
        found: list[tuple[str, str]] = []
        for form in forms(word):
            found += [pair for pair in self.by_form.get(form, ()) if pair not in found]
        return found


def fact_words(facts: ReasonFacts, *, domain: Domain) -> FactWords:
    """The words a reason for `facts` may use, each traced to its fact (earlier kinds win a tie)."""
    by_form: dict[str, list[tuple[str, str]]] = {}

    def add(kind: str, fact: str, text: str) -> None:
        for word in WORD.findall(text):
            for form in forms(word):
                if (kind, fact) not in by_form.setdefault(form, []):
                    by_form[form].append((kind, fact))

    for title in {facts.title, domain.natural_title(facts.title)}:
        add(TITLE, facts.title, title)
    if facts.year:
        decade = facts.year // 10 * 10
        add(YEAR, str(facts.year), f"{facts.year} {decade}s {decade % 100:02d}s {DECADE_WORDS.get(decade, '')}")
    keys = {_key(name): name for name in facts.categories}
    for name in facts.categories:
        add(CATEGORY, name, name.replace("-", " ") + " " + name)
    for key, words in domain.descriptions.items():
        if key in keys:
            for word in words:
                add(CATEGORY, keys[key], word)
    for tag in facts.tags:
        add(TAG, tag, tag)
    for title in facts.evidence_titles:
        add(LIKED, title, f"{title} {domain.natural_title(title)}")
    if facts.intent:
        add(REQUEST, facts.intent, facts.intent)
    for word in {domain.noun, domain.kind, domain.plural, *domain.item_words}:
        add(DOMAIN, word, word)
    return FactWords(by_form=by_form)


def trace(text: str, facts: ReasonFacts, *, domain: Domain, words: FactWords | None = None) -> list[TracedWord]:
    """Each word of `text` with what it traces to: a fact, the function words, the closed list, or nothing.
    The titles given are matched whole first, so each of their words traces to the title it is part of; a
    title's word anywhere else traces only to a fact beyond the titles, else to nothing."""
    words = words or fact_words(facts, domain=domain)
    titled = _title_spans(text, facts, domain=domain)
    traced = []
    for match in WORD.finditer(text):
        word, lower = match[0], match[0].lower().replace("\u2019", "'")
        span = next((found for start, end, found in titled if start <= match.start() < end), None)
        # A word of a title written outside it is a claim of its own ("a comedy about a cat" for The Truth
        # About Cats & Dogs): only a fact beyond the titles holds it.
        described = [pair for pair in words.lookup(lower) if pair[0] not in (TITLE, LIKED)]
        if span:
            traced.append(TracedWord(word, *span))
        elif described:
            traced.append(TracedWord(word, *described[0]))
        elif lower in FUNCTION_WORDS:
            traced.append(TracedWord(word, FUNCTION))
        elif any(form in CLOSED_WORDS for form in forms(lower)):
            traced.append(TracedWord(word, CLOSED))
        else:
            traced.append(TracedWord(word, None))
    return traced


def _title_spans(text: str, facts: ReasonFacts, *, domain: Domain) -> list[tuple[int, int, tuple[str, str]]]:
    """Where the item's and the liked items' titles stand in `text`, longest first: (start, end, (kind, title))."""
    titles = [(TITLE, facts.title, form) for form in {facts.title, domain.natural_title(facts.title)}]
    titles += [(LIKED, title, form) for title in facts.evidence_titles for form in {title, domain.natural_title(title)}]
    spans: list[tuple[int, int, tuple[str, str]]] = []
    for kind, title, form in sorted(titles, key=lambda entry: len(entry[2]), reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", text, flags=re.IGNORECASE):
            if not any(start < match.end() and match.start() < end for start, end, _ in spans):
                spans.append((match.start(), match.end(), (kind, title)))
    return spans


def untraced(text: str, facts: ReasonFacts, *, domain: Domain) -> list[str]:
    """The content words of `text` that trace to no fact (a served reason has none)."""
    return list(dict.fromkeys(t.word for t in trace(text, facts, domain=domain) if t.kind is None))


def linked_kinds(text: str, facts: ReasonFacts, *, domain: Domain, words: FactWords | None = None) -> set[str]:
    """The kinds of fact, beyond the item's own title, that `text` links the item to. A word counts for
    every fact it is in ("sci-fi" both for the category and for a request for sci-fi); words of the titles
    given count only for the title they are written in."""
    words = words or fact_words(facts, domain=domain)
    spans = _title_spans(text, facts, domain=domain)
    kinds = {kind for _, _, (kind, _) in spans}
    for match in WORD.finditer(text):
        inside = any(start <= match.start() < end for start, end, _ in spans)
        if not inside and match[0].lower() not in FUNCTION_WORDS:
            kinds |= {kind for kind, _ in words.lookup(match[0])}
    return kinds & LINKING_KINDS


def is_informative(text: str, facts: ReasonFacts, *, domain: Domain) -> bool:
    """Links the item to at least two facts of different kinds (a liked title, the request, a tag, a
    category, its year), not just its title."""
    return len(linked_kinds(text, facts, domain=domain)) >= 2


def allowed_words(facts: ReasonFacts, *, domain: Domain) -> set[str]:
    """Every word a reason for `facts` may use, as written in the facts, with the plural of each fact word
    (for steering the generator: it may write no other word)."""
    texts = [facts.title, domain.natural_title(facts.title), *facts.categories, *facts.tags, facts.intent]
    texts += [form for title in facts.evidence_titles for form in (title, domain.natural_title(title))]
    texts += [domain.noun, domain.kind, domain.plural, *domain.item_words]
    if facts.year:
        decade = facts.year // 10 * 10
        texts.append(f"{facts.year} {decade}s")
    keys = {_key(name) for name in facts.categories}
    described = [
        *facts.categories,
        *(word for key, words in domain.descriptions.items() if key in keys for word in words),
    ]
    found = {word for text in [*texts, *described] for word in WORD.findall(text or "")}
    # "comedies", "thrillers": plurals of what describes the item, never of a title's or a tag's words
    nouns = {word for text in described for word in WORD.findall(text)}
    plurals = {(word[:-1] + "ies" if word.endswith("y") else f"{word}s") for word in nouns if word.isalpha()}
    return found | plurals | FUNCTION_WORDS | CLOSED_WORDS


def forms(word: str) -> set[str]:
    """The word in lower case, without a possessive, and with a plural or verb ending taken off, so that
    "comedies", "thrillers" and "liked" meet "comedy", "thriller" and "like"."""
    word = word.lower().replace("\u2019", "'")
    word = re.sub(r"'s?$", "", word)
    found = _bases(word)
    for part in word.split("-"):
        if part and part != word:
            found |= _bases(part)
    return {form for form in found if form}


def _bases(word: str) -> set[str]:
    """The word and what it may be an inflection of (both "crime" and "crim" for "crimes": a fact's word
    and a reason's word match when their sets meet)."""
    found = {word}
    for suffix, replacements in (("ies", ("y",)), ("es", ("", "e")), ("s", ("",)), ("ed", ("", "e")),
                                 ("ing", ("", "e")), ("ly", ("",))):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            found |= {word[: -len(suffix)] + replacement for replacement in replacements}
    return found


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

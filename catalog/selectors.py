import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.shortcuts import get_object_or_404

from catalog.domain import catalogue_domain, reading_title
from catalog.models import Category, Item, title_search_key
from language.covers import cover_etag, cover_svg


def item_list(*, category: Category | None = None, search: str = "") -> QuerySet[Item]:
    """Items users may see, with their categories prefetched (one extra query per page). `search` finds
    titles in either order ("the shawshank", "Shawshank Redemption, The"), without leading articles,
    case or accents ("amelie": "Amélie"): a substring of Item.search_title (a trigram index on PostgreSQL)."""
    items = Item.objects.active().prefetch_related("categories")
    if category is not None:
        items = items.filter(categories=category)
    key = title_search_key(catalogue_domain().without_article(search)) if search else ""
    if key:
        items = items.filter(search_title__contains=key)
    elif search:  # nothing but punctuation: as written
        items = items.filter(title__icontains=search.strip())
    return items


def item_get_active(*, item_id: int) -> Item:
    """An item users may see, or 404."""
    return get_object_or_404(Item.objects.active().prefetch_related("categories"), pk=item_id)


def category_list() -> QuerySet[Category]:
    return Category.objects.all()


def item_featured(*, n: int = 6) -> list[Item]:
    """Items staff featured, newest first (the visitor's home page)."""
    return list(Item.objects.active().filter(is_featured=True).prefetch_related("categories").order_by("-pk")[:n])


# Bumped in the shared cache whenever items change (catalog.receivers, dataset imports, bulk flags), so
# what a process derived from the items (the titles a request may name, parsed requests) is rebuilt.
CATALOGUE_VERSION_KEY = "catalog:items-version"
FIELDS_BY_WEIGHT = (("keywords", "b"), ("title", "a"), ("description", "c"))
MENTIONING_LIMIT = 2000  # items per phrase a request's ranking looks at


def catalogue_version() -> tuple:
    """Changes whenever items change: the version catalogue_changed() sets, and the newest item's pk (which
    also tells apart catalogues whose writes were rolled back, as in tests)."""
    newest = Item.objects.order_by("-pk").values_list("pk", flat=True).first()
    return cache.get(CATALOGUE_VERSION_KEY), newest


def catalogue_facts() -> tuple[list[tuple[int, int | None, bool]], list[tuple[int, str]]]:
    """Every item's (pk, year, is_active) in pk order, and every (item pk, category name): two queries."""
    items = list(Item.objects.order_by("pk").values_list("pk", "year", "is_active"))
    memberships = list(Item.categories.through.objects.values_list("item_id", "category__name"))
    return items, memberships


def keyword_fields(phrases: Sequence[str]) -> dict[str, str]:
    """Which phrases active items mention, and where: "keywords", else "title", else "description".
    Full-text search (English stemming, words in order) on PostgreSQL, one query whatever the number of
    phrases, each stopping at its first matches through the GIN index; whole words on SQLite."""
    if not phrases:
        return {}
    if connection.vendor != "postgresql":
        return _keyword_fields_plain(phrases)
    cases = " ".join(
        f"WHEN bool_or(ts_filter(found.search, '{{{weight}}}') @@ q.query) THEN '{name}'"
        for name, weight in FIELDS_BY_WEIGHT
    )
    sql = f"""
        SELECT p.phrase, f.field
        FROM unnest(%s::text[]) AS p(phrase)
        CROSS JOIN LATERAL (SELECT phraseto_tsquery('english', p.phrase) AS query) AS q
        CROSS JOIN LATERAL (
            SELECT CASE {cases} END AS field
            FROM (
                SELECT i.search FROM catalog_item i WHERE i.is_active AND i.search @@ q.query LIMIT 50
            ) AS found
            HAVING count(*) > 0
        ) AS f
        WHERE numnode(q.query) > 0
    """  # nosec B608: the interpolated parts are the constants above; the phrases are a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(phrases)])
        return {phrase: field for phrase, field in cursor.fetchall() if field}


def items_mentioning(phrase: str, *, field: str | None = None, limit: int = MENTIONING_LIMIT) -> list[int]:
    """Active items whose title, keywords or description (only `field`, when given) mention the phrase
    (at most `limit`)."""
    items = Item.objects.active().order_by()
    names = [field] if field else [name for name, _ in FIELDS_BY_WEIGHT]
    if connection.vendor == "postgresql":
        items = items.filter(search=SearchQuery(phrase, search_type="phrase", config="english"))
        if field:
            weight = "{" + dict(FIELDS_BY_WEIGHT)[field] + "}"
            in_field = RawSQL(
                "ts_filter(catalog_item.search, %s::\"char\"[]) @@ phraseto_tsquery('english', %s)", (weight, phrase)
            )
            items = items.alias(in_field=ExpressionWrapper(in_field, output_field=BooleanField())).filter(in_field=True)
    else:
        pattern = whole_words_pattern(phrase)
        matches = Q()
        for name in names:
            matches |= Q(**{f"{name}__iregex": pattern})
        items = items.filter(matches)
    return list(items.values_list("pk", flat=True)[:limit])


def title_entries() -> list[tuple[int, str, int | None]]:
    """Every active item's (pk, title, year): what a request may name."""
    return list(Item.objects.active().order_by("pk").values_list("pk", "title", "year"))


def _keyword_fields_plain(phrases: Sequence[str]) -> dict[str, str]:
    found = {}
    for phrase in phrases:
        pattern = whole_words_pattern(phrase)
        for name, _ in FIELDS_BY_WEIGHT:
            if Item.objects.active().filter(**{f"{name}__iregex": pattern}).exists():
                found[phrase] = name
                break
    return found


def whole_words_pattern(phrase: str) -> str:
    """The phrase as a pattern of whole words (Python's and SQLite's regular expressions; match it without
    case), a plural's "s" optional ("sequels": "sequel")."""
    words = [re.escape(word.removesuffix("s") if len(word) > 3 else word) for word in phrase.split()]
    return r"\b" + r"\W+".join(words) + r"s?\b"


COVER_CACHE_SECONDS = 30 * 24 * 3600  # a cover is named by what it is drawn from: it never goes stale


@dataclass(frozen=True)
class CoverFacts:
    """What an item's cover is drawn from: the title as people read it, the year, the categories (by name)."""

    title: str
    year: int | None
    genres: tuple[str, ...]

    @property
    def etag(self) -> str:
        return cover_etag(title=self.title, year=self.year, genres=self.genres)


def cover_facts(item: Item) -> CoverFacts:
    """An item's cover facts from the item at hand (its categories prefetched on every list)."""
    genres = tuple(sorted(category.name for category in item.categories.all()))
    return CoverFacts(title=reading_title(item.title), year=item.year, genres=genres)


def item_cover_facts(*, item_id: int) -> CoverFacts:
    """An active item's cover facts in one query, or 404."""
    rows = list(Item.objects.active().filter(pk=item_id).values_list("title", "year", "categories__name"))
    if not rows:
        raise Http404("No such item.")
    title, year, _ = rows[0]
    genres = tuple(sorted(name for _, _, name in rows if name))
    return CoverFacts(title=reading_title(title), year=year, genres=genres)


def cover_render(facts: CoverFacts) -> str:
    """The cover's SVG, drawn once and kept in the shared cache under its ETag."""
    key = f"catalog:cover:{facts.etag}"
    svg = cache.get(key)
    if svg is None:
        svg = cover_svg(title=facts.title, year=facts.year, genres=facts.genres)
        cache.set(key, svg, timeout=COVER_CACHE_SECONDS)
    return svg

import re
from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from catalog.models import Category, Item


def item_list(*, category: Category | None = None, search: str = "") -> QuerySet[Item]:
    """Items users may see, with their categories prefetched (one extra query per page)."""
    items = Item.objects.active().prefetch_related("categories")
    if category is not None:
        items = items.filter(categories=category)
    if search:
        items = items.filter(title__icontains=search)
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

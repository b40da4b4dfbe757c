import secrets
import time
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from catalog.models import Category, Item
from catalog.selectors import CATALOGUE_VERSION_KEY
from catalog.signals import items_changed


def catalogue_changed(*, item_ids: Iterable[int] = ()) -> None:
    """Tell every process that items changed (now and again when the transaction commits), so what it derived from
    them (the titles a request may name, parsed requests) is rebuilt. Sent on every save and delete of
    an item; bulk writes call it themselves. `item_ids`: the items created or whose description may have
    changed, for the floors above (`items_changed`: recommendations embeds them again)."""

    def bump() -> None:
        cache.set(CATALOGUE_VERSION_KEY, time.time_ns(), timeout=None)

    bump()  # now, for this transaction's own reads
    transaction.on_commit(bump)  # and again once others can see the change
    item_ids = sorted(set(item_ids))
    if item_ids:
        items_changed.send(sender=Item, item_ids=item_ids)


def item_set_flags(*, items: QuerySet[Item], is_active: bool | None = None, is_featured: bool | None = None) -> int:
    """Curate many items at once (admin bulk actions); returns how many rows changed."""
    changes = {
        name: value for name, value in (("is_active", is_active), ("is_featured", is_featured)) if value is not None
    }
    if not changes:
        return 0
    changed = items.exclude(**changes).update(**changes, updated=timezone.now())
    if changed:
        catalogue_changed()
    return changed


STAFF_SOURCE = "staff"  # items created through the API or admin rather than imported


def item_create(
    *,
    title: str,
    year: int | None = None,
    description: str = "",
    keywords: str = "",
    categories: list[Category] = (),
    is_active: bool = True,
    is_featured: bool = False,
) -> Item:
    """A curated item (source "staff", a generated source id), with its categories."""
    with transaction.atomic():
        item = Item.objects.create(
            title=title,
            year=year,
            description=description,
            keywords=keywords,
            is_active=is_active,
            is_featured=is_featured,
            source=STAFF_SOURCE,
            source_id=secrets.token_hex(8),
        )
        item.categories.set(categories)
    return item


def item_update(*, item: Item, categories: list[Category] | None = None, **fields) -> Item:
    """Change an item's curated fields (title, year, description, keywords, flags) and categories."""
    allowed = {"title", "year", "description", "keywords", "is_active", "is_featured"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"item_update() cannot change {', '.join(sorted(unknown))}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(item, name, value)
        item.save(update_fields=[*fields, "updated"])
        if categories is not None:
            item.categories.set(categories)
    return item

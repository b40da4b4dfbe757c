from django.db.models import QuerySet
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

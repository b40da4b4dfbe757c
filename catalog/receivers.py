"""The catalogue's own model signals, turned into `catalogue_changed` (connected in CatalogConfig.ready())."""

from catalog.services import catalogue_changed

# What an item's description is made of, besides its categories: a save of other fields only (the
# curation flags) changes nothing the floors above derived from it.
DESCRIBED_FIELDS = frozenset({"title", "year", "description", "keywords"})


def item_saved(*, instance, update_fields=None, **kwargs) -> None:
    described = update_fields is None or not DESCRIBED_FIELDS.isdisjoint(update_fields)
    catalogue_changed(item_ids=[instance.pk] if described else ())


def item_deleted(**kwargs) -> None:
    catalogue_changed()


def item_categories_changed(*, instance, action, reverse, pk_set, **kwargs) -> None:
    """Items gained or lost categories: from the item's side (`instance` is an Item) or the category's
    (`instance` is a Category and `pk_set` holds items)."""
    if action in ("post_add", "post_remove"):
        item_ids = (pk_set or ()) if reverse else ([instance.pk] if pk_set else ())
    elif action == "pre_clear":
        item_ids = instance.items.values_list("pk", flat=True) if reverse else [instance.pk]
    else:
        item_ids = ()
    catalogue_changed(item_ids=item_ids)


def category_saved(*, instance, created, **kwargs) -> None:
    """A renamed category renames it in every item's description."""
    if not created:
        catalogue_changed(item_ids=instance.items.values_list("pk", flat=True))


def category_deleted(*, instance, **kwargs) -> None:
    """Before the delete, while its items are still linked (the links go without an m2m signal)."""
    catalogue_changed(item_ids=instance.items.values_list("pk", flat=True))

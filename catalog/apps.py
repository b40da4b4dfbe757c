from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

        from catalog import checks, receivers  # noqa: F401  (checks registers the system check)
        from catalog.models import Category, Item

        post_save.connect(receivers.item_saved, sender=Item, dispatch_uid="catalog-item-saved")
        post_delete.connect(receivers.item_deleted, sender=Item, dispatch_uid="catalog-item-deleted")
        m2m_changed.connect(
            receivers.item_categories_changed, sender=Item.categories.through, dispatch_uid="catalog-item-categories"
        )
        post_save.connect(receivers.category_saved, sender=Category, dispatch_uid="catalog-category-saved")
        pre_delete.connect(receivers.category_deleted, sender=Category, dispatch_uid="catalog-category-deleted")

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from catalog import checks  # noqa: F401  (registers the system check)
        from catalog.models import Item
        from catalog.services import catalogue_changed

        def changed(**kwargs) -> None:
            catalogue_changed()

        post_save.connect(changed, sender=Item, weak=False, dispatch_uid="catalog-item-saved")
        post_delete.connect(changed, sender=Item, weak=False, dispatch_uid="catalog-item-deleted")
        m2m_changed.connect(changed, sender=Item.categories.through, weak=False, dispatch_uid="catalog-item-categories")

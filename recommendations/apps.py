from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from catalog.signals import items_changed
        from feedback.signals import ratings_changed
        from recommendations import checks  # noqa: F401  (registers the system check)
        from recommendations.receivers import items_changed_mark_for_embedding, ratings_changed_mark_dirty

        ratings_changed.connect(ratings_changed_mark_dirty, dispatch_uid="recommendations.mark_dirty")
        items_changed.connect(items_changed_mark_for_embedding, dispatch_uid="recommendations.mark_for_embedding")

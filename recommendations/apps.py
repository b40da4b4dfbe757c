from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from feedback.signals import ratings_changed
        from recommendations import checks  # noqa: F401  (registers the system check)
        from recommendations.receivers import ratings_changed_mark_dirty

        ratings_changed.connect(ratings_changed_mark_dirty, dispatch_uid="recommendations.mark_dirty")

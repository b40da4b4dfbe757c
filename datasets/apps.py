from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    """Dataset readers (MovieLens, RecBole), the import that writes items, users and ratings, and the demo's
    data. No models of its own: it sits above catalog and feedback because it writes both."""

    name = "datasets"

"""What the recommender does when feedback changes (connected in RecommendationsConfig.ready())."""

from recommendations.services.refresh import items_mark_dirty


def ratings_changed_mark_dirty(*, item_ids: list[int], **kwargs) -> None:
    """A rating changed: mark the item for the refresh, in the rating's own transaction."""
    items_mark_dirty(item_ids=item_ids)

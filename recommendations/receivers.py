"""What the recommender does when feedback or the catalogue changes (connected in RecommendationsConfig.ready())."""

from recommendations.services.embeddings import items_mark_for_embedding
from recommendations.services.refresh import items_mark_dirty


def ratings_changed_mark_dirty(*, item_ids: list[int], **kwargs) -> None:
    """A rating changed: mark the item for the refresh, in the rating's own transaction."""
    items_mark_dirty(item_ids=item_ids)


def items_changed_mark_for_embedding(*, item_ids: list[int], **kwargs) -> None:
    """Items were created or their text may have changed: mark them to embed, in the writer's transaction."""
    items_mark_for_embedding(item_ids=item_ids)

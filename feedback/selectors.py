from decimal import Decimal

from django.db.models import Count, QuerySet

from catalog.models import Item
from feedback.models import FeedbackEvent, Rating


def rating_value_for(*, user, item: Item) -> Decimal | None:
    """The user's rating of the item, if they are signed in and rated it."""
    if user is None or not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, item=item).values_list("value", flat=True).first()


def reactions_for(*, user, item: Item) -> set[str]:
    """The kinds of the user's reactions to the item itself (like, dislike, not interested), one query."""
    if user is None or not user.is_authenticated:
        return set()
    kinds = (FeedbackEvent.Kind.LIKE, FeedbackEvent.Kind.DISLIKE, FeedbackEvent.Kind.NOT_INTERESTED)
    return set(FeedbackEvent.objects.filter(user=user, item=item, kind__in=kinds).values_list("kind", flat=True))


def rating_list_for(*, user) -> QuerySet[Rating]:
    """The user's ratings, newest first, with their items and the items' categories."""
    return (
        Rating.objects.filter(user=user)
        .select_related("item")
        .prefetch_related("item__categories")
        .order_by("-updated", "-pk")
    )


def explanation_find(*, explanation_id: int):
    """The reason a reaction may be about, or None. Its model is the one FeedbackEvent.explanation points
    at, so this app needs no import of the app above that owns reasons."""
    reasons = FeedbackEvent._meta.get_field("explanation").related_model._default_manager
    return reasons.filter(pk=explanation_id).first()


def rating_counts(item_ids: list[int]) -> dict[int, int]:
    """How many ratings each of a few items has (how well known it is), in one query."""
    rows = Rating.objects.filter(item_id__in=item_ids).values("item_id").annotate(n=Count("pk")).order_by()
    return {row["item_id"]: row["n"] for row in rows}

from decimal import Decimal

from django.db.models import QuerySet

from catalog.models import Item
from feedback.models import FeedbackEvent, Rating


def rating_value_for(*, user, item: Item) -> Decimal | None:
    """The user's rating of the item, if they are signed in and rated it."""
    if user is None or not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, item=item).values_list("value", flat=True).first()


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

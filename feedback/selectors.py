from decimal import Decimal

from catalog.models import Item
from feedback.models import Rating


def rating_value_for(*, user, item: Item) -> Decimal | None:
    """The user's rating of the item, if they are signed in and rated it."""
    if user is None or not user.is_authenticated:
        return None
    return Rating.objects.filter(user=user, item=item).values_list("value", flat=True).first()

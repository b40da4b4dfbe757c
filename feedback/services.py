import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import numpy as np
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from catalog.models import Item
from common.bulk import rows_insert
from feedback.models import RATING_VALUES, FeedbackEvent, Rating, validate_rating_value
from feedback.signals import feedback_recorded, ratings_changed

_DECIMAL_BY_FLOAT = {float(value): value for value in RATING_VALUES}
# Users whose existing ratings are read and diffed at a time: bounds memory on ml-25m-sized input.
USERS_PER_CHUNK = 2000
UPDATE_BATCH = 1000
INSERT_FIELDS = ("user_id", "item_id", "value", "created", "updated")


@dataclass(frozen=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: "UpsertCounts") -> "UpsertCounts":
        return UpsertCounts(
            self.created + other.created, self.updated + other.updated, self.unchanged + other.unchanged
        )


def rating_bulk_upsert(
    *,
    user_ids: np.ndarray,
    item_ids: np.ndarray,
    values: np.ndarray,
    timestamps: np.ndarray,
    show_progress: bool = False,
) -> UpsertCounts:
    """Insert or update many ratings at once; rows already holding the same value are left untouched.

    Inputs are parallel arrays of user and item primary keys, values on the 0.5 grid, and epoch
    seconds (negative: unknown, so a new rating is stamped now and an existing one keeps its time).
    Existing ratings are read per chunk of users and diffed in memory, so re-importing the same data
    writes nothing. Call it inside a transaction: it does several statements.
    """
    order = np.argsort(user_ids, kind="stable")
    user_ids, item_ids = user_ids[order], item_ids[order]
    values, timestamps = values[order], timestamps[order]
    _, starts = np.unique(user_ids, return_index=True)
    bounds = [*starts[::USERS_PER_CHUNK].tolist(), len(user_ids)]

    counts = UpsertCounts()
    with tqdm(total=len(user_ids), desc="ratings", unit=" ratings", disable=not show_progress, leave=False) as bar:
        for begin, end in itertools.pairwise(bounds):
            counts += _upsert_chunk(
                user_ids[begin:end].tolist(),
                item_ids[begin:end].tolist(),
                values[begin:end].tolist(),
                timestamps[begin:end].tolist(),
            )
            bar.update(end - begin)
    return counts


def _upsert_chunk(users: list[int], items: list[int], values: list[float], stamps: list[int]) -> UpsertCounts:
    existing = {
        (user_id, item_id): (pk, value, created)
        for pk, user_id, item_id, value, created in Rating.objects.filter(user_id__in=set(users)).values_list(
            "pk", "user_id", "item_id", "value", "created"
        )
    }
    now = timezone.now()
    to_create: list[tuple] = []
    to_update: list[Rating] = []
    for user_id, item_id, value, stamp in zip(users, items, values, stamps, strict=True):
        decimal_value = _DECIMAL_BY_FLOAT[value]
        created = datetime.fromtimestamp(stamp, tz=UTC) if stamp >= 0 else None
        current = existing.get((user_id, item_id))
        if current is None:
            to_create.append((user_id, item_id, decimal_value, created or now, now))
            continue
        pk, current_value, current_created = current
        if current_value != decimal_value or (created is not None and current_created != created):
            to_update.append(Rating(pk=pk, value=decimal_value, created=created or current_created, updated=now))
    rows_insert(model=Rating, fields=INSERT_FIELDS, rows=to_create)
    Rating.objects.bulk_update(to_update, ["value", "created", "updated"], batch_size=UPDATE_BATCH)
    return UpsertCounts(len(to_create), len(to_update), len(users) - len(to_create) - len(to_update))


def rating_upsert(*, user, item: Item, value) -> tuple[Rating, bool]:
    """Rate `item` (0.5 to 5.0 in half steps) or change the rating; returns (rating, created).

    One transaction: the rating, and `ratings_changed` (the recommender marks the item for its refresh). The
    rated item leaves the user's recommendations at once, since lists are computed from their ratings.
    A bad value or an inactive item raises ValidationError (field messages) and writes nothing.
    """
    clean = _rating_value(value)
    _require_active(item)
    with transaction.atomic():
        rating, created = Rating.objects.update_or_create(
            user=user, item=item, defaults={"value": clean}, create_defaults={"value": clean, "created": timezone.now()}
        )
        ratings_changed.send(sender=Rating, item_ids=[item.pk])
    return rating, created


def rating_delete(*, user, item: Item) -> bool:
    """Remove the user's own rating of `item` (there is no way to reach anyone else's); False if none."""
    with transaction.atomic():
        deleted, _ = Rating.objects.filter(user=user, item=item).delete()
        if deleted:
            ratings_changed.send(sender=Rating, item_ids=[item.pk])
    return bool(deleted)


REASON_SHOWN_TTL = 7 * 24 * 3600  # how long after being shown a reason a user may vote on it


def reason_shown_key(user_id: int, explanation_id: int) -> str:
    return f"reason-shown:{user_id}:{explanation_id}"


def reasons_shown_record(*, user, explanation_ids: list[int]) -> None:
    """`user` was shown these reasons: they may vote on them (for REASON_SHOWN_TTL)."""
    if user is not None and user.is_authenticated and explanation_ids:
        cache.set_many({reason_shown_key(user.pk, pk): 1 for pk in explanation_ids}, timeout=REASON_SHOWN_TTL)


def feedback_record(*, user, item: Item, kind: str, explanation=None) -> FeedbackEvent:
    """Record a reaction. "not interested" and "dislike" hide the item from the user's recommendations at
    once; `feedback_recorded` lets the floors above act on it in the same transaction (the explanations app
    replaces a generated reason found unhelpful with the template written from the same facts).
    Reactions about a reason (an Explanation) must name it, a reason for this item that the user was shown
    (reasons_shown_record); a second vote of the same kind on it returns the first. Like and dislike
    exclude each other: recording one takes back the other (feedback_undo takes back either).
    """
    if kind not in FeedbackEvent.Kind.values:
        raise ValidationError({"kind": [f"{kind!r} is not one of: {', '.join(FeedbackEvent.Kind.values)}."]})
    if kind in FeedbackEvent.ABOUT_REASON and explanation is None:
        raise ValidationError({"explanation": ["Say which reason this is about."]})
    if explanation is not None:
        # One message for a reason of another item and one never shown to this user: it tells nothing
        # about which item a reason id belongs to.
        if explanation.item_id != item.pk or not cache.get(reason_shown_key(user.pk, explanation.pk)):
            raise ValidationError({"explanation": ["Only a reason you were shown for this item can be voted on."]})
        voted = FeedbackEvent.objects.filter(user=user, explanation=explanation, kind=kind).first()
        if voted is not None:
            return voted  # one vote per user and reason counts
    _require_active(item)
    with transaction.atomic():
        if kind in OPPOSITE:  # a like withdraws a dislike of the same item, and the other way round
            FeedbackEvent.objects.filter(user=user, item=item, kind=OPPOSITE[kind]).delete()
        event = FeedbackEvent.objects.create(user=user, item=item, kind=kind, explanation=explanation)
        feedback_recorded.send(sender=FeedbackEvent, event=event)
    return event


# The reactions to an item itself that its page offers, each of which the user may take back.
UNDOABLE = (FeedbackEvent.Kind.LIKE, FeedbackEvent.Kind.DISLIKE, FeedbackEvent.Kind.NOT_INTERESTED)
OPPOSITE = {FeedbackEvent.Kind.LIKE: FeedbackEvent.Kind.DISLIKE, FeedbackEvent.Kind.DISLIKE: FeedbackEvent.Kind.LIKE}


def feedback_undo(*, user, item: Item, kind: str) -> int:
    """Take back the user's own like, dislike or "not interested" of `item`; returns how many events went.

    The reaction's events are deleted, not marked: an undone "not interested" or dislike no longer hides the
    item, and the next list (computed per request from the events, nothing cached) may show it again. Votes
    on reasons are not undone here (they count once per user and reason).
    """
    if kind not in UNDOABLE:
        raise ValidationError({"kind": [f"{kind!r} cannot be undone: only {', '.join(UNDOABLE)}."]})
    deleted, _ = FeedbackEvent.objects.filter(user=user, item=item, kind=kind).delete()
    return deleted


def _rating_value(value) -> Decimal:
    try:
        clean = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": [f"{value!r} is not a number: use 0.5 to 5.0 in steps of 0.5."]}) from None
    try:
        validate_rating_value(clean)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    return clean.quantize(Decimal("0.1"))


def _require_active(item: Item) -> None:
    if not item.is_active:
        raise ValidationError({"item": [f"Item {item.pk} is not available."]})

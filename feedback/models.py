from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone

RATING_MIN = Decimal("0.5")
RATING_MAX = Decimal("5.0")
RATING_STEP = Decimal("0.5")
# Every allowed value, so the database can enforce the grid with a portable IN check.
RATING_VALUES = tuple(RATING_STEP * n for n in range(1, int(RATING_MAX / RATING_STEP) + 1))


def validate_rating_value(value: Decimal) -> None:
    if value not in RATING_VALUES:
        raise ValidationError(
            "%(value)s is not a rating: use 0.5 to 5.0 in steps of 0.5.",
            code="invalid_rating",
            params={"value": value},
        )


class Rating(models.Model):
    """A user's explicit rating of an item, 0.5 to 5.0 stars in half steps; one per user and item."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="ratings")
    value = models.DecimalField(max_digits=2, decimal_places=1, validators=[validate_rating_value])
    # When the rating was given: now for site ratings, the dataset's timestamp for imported ones.
    created = models.DateTimeField(default=timezone.now)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="rating_unique_user_item"),
            models.CheckConstraint(condition=models.Q(value__in=RATING_VALUES), name="rating_value_half_steps"),
        ]
        indexes = [
            # Per-user reads come through the unique (user, item) index; these serve recency
            # per user and the per-item reads of training and item pages.
            models.Index(fields=["user", "-created"], name="rating_user_created_idx"),
            models.Index(fields=["item", "value"], name="rating_item_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} rated {self.item}: {self.value}"


class RatingChange(models.Model):
    """A (user, item) whose rating was written or deleted: the log a refresh worker's ratings in memory
    (recommendations.rating_memory) follow, so each refresh reads the change, not the table.

    Written by database triggers on the rating table (migration 0004), so no writer can bypass it: the
    services, bulk imports, raw SQL and deletes that cascade from a user or an item. A row with neither
    user nor item says "reload everything" (a first import loads without the row trigger and writes one).
    No foreign keys: a change outlives the user or item it names. Kept for RATING_CHANGES_KEPT_SECONDS.
    """

    user_id = models.BigIntegerField(null=True)
    item_id = models.BigIntegerField(null=True)
    at = models.DateTimeField(db_default=Now(), db_index=True)

    def __str__(self) -> str:
        return f"rating of user {self.user_id} on item {self.item_id} changed at {self.at}"


class FeedbackKind(models.TextChoices):
    LIKE = "like"
    DISLIKE = "dislike"
    NOT_INTERESTED = "not_interested", "not interested"
    CLICK = "click"
    REASON_HELPFUL = "reason_helpful", "reason helpful"
    REASON_UNHELPFUL = "reason_unhelpful", "reason unhelpful"


class FeedbackEvent(models.Model):
    """A user's reaction to an item or to the reason shown for it. Kept as given, except that an undo
    (feedback.services.feedback_undo) deletes that user's reactions of its kind to the item, and a like and a
    dislike replace each other."""

    Kind = FeedbackKind

    # Kinds that keep an item out of the user's recommendations from then on.
    HIDING = (Kind.DISLIKE, Kind.NOT_INTERESTED)
    # Kinds about the reason shown, which must name it.
    ABOUT_REASON = (Kind.REASON_HELPFUL, Kind.REASON_UNHELPFUL)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_events")
    item = models.ForeignKey("catalog.Item", on_delete=models.CASCADE, related_name="feedback_events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    explanation = models.ForeignKey(
        "explanations.Explanation", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["user", "kind"], name="feedback_user_kind_idx"),
            models.Index(fields=["explanation", "kind"], name="feedback_explanation_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=FeedbackKind.values), name="feedback_event_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.item}"

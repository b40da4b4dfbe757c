"""Every rating, held in memory by the process that refreshes the model (recengine.live_ratings), and kept
in step with the database through the rating change log (feedback.RatingChange): a refresh reads the
changes since the last one, never the ratings table.

The first refresh in a process loads every rating once (a binary COPY: about 20 s and 400 MB at 25M
ratings); each later one reads the log's newest rows, joined to the ratings they name, and writes those
values in place. A change is read again for CHANGES_SLACK after it was stamped, so one whose transaction
committed after a later change's (the log's ids are not in commit order) is not missed; writing a value
again changes nothing. The process loads everything again when the log says so (a first import writes a
"reload all" row), when more changed than a load costs, or when it has not looked for longer than the
log keeps its rows.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from feedback.models import Rating, RatingChange
from recengine.live_ratings import LiveRatings
from recommendations.selectors import rating_arrays

logger = logging.getLogger(__name__)

CHANGES_SLACK = timedelta(seconds=60)
# How long the log keeps its rows (the periodic sweep prunes older ones): a process that has not synced
# within this, less the slack, loads everything again.
CHANGES_KEPT = timedelta(days=1)
# More changes than this share of the ratings held (and at least MIN_CHANGES_FOR_RELOAD) load everything:
# a bulk import's millions cost less read whole than written one by one.
RELOAD_SHARE = 0.1
MIN_CHANGES_FOR_RELOAD = 100_000

# How often this process loaded every rating, and how many changes it applied since (reported by tests and
# the scale run).
LOADS = {"full": 0, "changes": 0}


@dataclass
class _Held:
    ratings: LiveRatings
    last_id: int  # the newest change already reflected
    synced_at: datetime  # when the last read of the log started


_held: _Held | None = None


def ratings_in_memory() -> LiveRatings:
    """Every rating as the database holds it now, from memory brought up to date with the change log."""
    global _held
    if _held is None or _held.synced_at < timezone.now() - (CHANGES_KEPT - CHANGES_SLACK) or not _sync(_held):
        _held = _load()
    return _held.ratings


def ratings_forget() -> None:
    """Drop what this process holds (the next refresh loads every rating): for tests, whose rolled-back
    transactions take their changes out of the log."""
    global _held
    _held = None


def rating_changes_prune() -> int:
    """Delete the log's rows older than CHANGES_KEPT; how many."""
    deleted, _ = RatingChange.objects.filter(at__lt=timezone.now() - CHANGES_KEPT).delete()
    return deleted


def _load() -> _Held:
    started = timezone.now()
    last_id = RatingChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    every = rating_arrays()
    LOADS["full"] += 1
    logger.info("ratings in memory: %s loaded", f"{len(every.values):,}")
    return _Held(LiveRatings.from_arrays(every.user_ids, every.item_ids, every.values), last_id, started)


def _sync(held: _Held) -> bool:
    """Apply the log's rows since the last sync (and those within the slack before it) to `held`; False
    when everything must be loaded again instead."""
    started = timezone.now()
    limit = max(MIN_CHANGES_FOR_RELOAD, int(held.ratings.nnz * RELOAD_SHARE))
    current = Rating.objects.filter(user_id=OuterRef("user_id"), item_id=OuterRef("item_id")).values("value")[:1]
    rows = list(
        RatingChange.objects.filter(Q(id__gt=held.last_id) | Q(at__gte=held.synced_at - CHANGES_SLACK))
        .annotate(value=Subquery(current))
        .order_by("id")
        .values_list("id", "user_id", "item_id", "value")[: limit + 1]
    )
    if len(rows) > limit or any(user is None and pk > held.last_id for pk, user, _, _ in rows):
        return False
    changes = [(user, item, np.nan if value is None else float(value)) for _, user, item, value in rows if user]
    if changes:
        LOADS["changes"] += held.ratings.apply(*zip(*changes, strict=True))
    if rows:
        held.last_id = max(held.last_id, rows[-1][0])
    held.synced_at = started
    return True

"""Who may have new reasons written, and in which order: the generator's time is shared.

- A quota per requester (a signed-in user, else a client address): RECSITE_REASON_QUOTA new reasons a
  minute (reasons already written cost nothing and are always served).
- A global cap: with RECSITE_REASON_PENDING_CAP reasons waiting, new ones are refused (503, Retry-After)
  until the workers catch up.
- Order: reasons someone is looking at go to the `llm` queue at the first priority, reasons written ahead
  (after training) at the last, so a page never waits behind a batch of write-aheads.
- A broker that is down never fails the request: the reason stays pending and the beat's sweep
  (explanations_requeue_stale) enqueues whatever has waited longer than RECSITE_REASON_STALE_SECONDS.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import KombuError

from explanations.models import Explanation

logger = logging.getLogger(__name__)

PRIORITY_SHOWN, PRIORITY_AHEAD = 0, 9  # Redis priorities: lower goes first
REQUEUED_PER_SWEEP = 200


class ReasonsRefused(Exception):
    """No new reason now: `status` 429 (this requester's quota) or 503 (too many waiting overall)."""

    def __init__(self, status: int, message: str, retry_after: int):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


def reasons_admit(*, requester: str | None, wanted: int) -> int:
    """How many of `wanted` new reasons may be written for `requester` now (None: the system itself, as
    the write-ahead after training; only the global cap applies). Raises ReasonsRefused when none may."""
    if wanted <= 0:
        return 0
    if reasons_waiting() >= settings.RECSITE_REASON_PENDING_CAP:
        raise ReasonsRefused(503, "too many reasons are being written; ask again shortly", 30)
    if requester is None:
        return wanted
    window = int(time.time() // 60)
    key = f"reason-quota:{requester}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        used = cache.incr(key, wanted)
    except ValueError:  # the counter expired between add and incr
        used = None
    if used is None:  # the cache is unreachable: uncounted, like the rate limits
        return wanted
    allowed = min(wanted, max(0, settings.RECSITE_REASON_QUOTA - (used - wanted)))
    if not allowed:
        raise ReasonsRefused(
            429, f"at most {settings.RECSITE_REASON_QUOTA} new reasons a minute", 60 - int(time.time()) % 60
        )
    return allowed


def reasons_waiting() -> int:
    """Pending reasons, counted up to the cap only (the count's cost is bounded by the cap)."""
    cap = settings.RECSITE_REASON_PENDING_CAP
    return Explanation.objects.filter(status=Explanation.Status.PENDING).order_by()[:cap].count()


def reasons_enqueue(explanation_ids: list[int], *, priority: int = PRIORITY_SHOWN) -> None:
    """After the transaction commits, one generation task for the ids, at `priority`."""
    transaction.on_commit(lambda: _publish(explanation_ids, priority))


def _publish(explanation_ids: list[int], priority: int) -> None:
    from explanations.tasks import explanations_generate_task  # import late: tasks import the services

    try:
        explanations_generate_task.apply_async((explanation_ids,), priority=priority)
    except (KombuError, OSError) as exc:
        logger.warning("reasons %s not enqueued (%s); the stale-reason sweep will", explanation_ids, exc)


def explanations_requeue_stale() -> int:
    """Enqueue again the reasons pending longer than RECSITE_REASON_STALE_SECONDS (their task was lost:
    the broker was down, a worker died), at most REQUEUED_PER_SWEEP a sweep, oldest first. Returns how many."""
    stale = timezone.now() - timedelta(seconds=settings.RECSITE_REASON_STALE_SECONDS)
    ids = list(
        Explanation.objects.filter(status=Explanation.Status.PENDING, updated__lt=stale)
        .order_by("updated")
        .values_list("pk", flat=True)[:REQUEUED_PER_SWEEP]
    )
    if not ids:
        return 0
    Explanation.objects.filter(pk__in=ids).update(updated=timezone.now())  # not again before the next threshold
    batch = settings.RECSITE_REASON_BATCH_SIZE
    for start in range(0, len(ids), batch):
        _publish(ids[start : start + batch], PRIORITY_SHOWN)
    return len(ids)

"""Reads from a PostgreSQL replica where a little lag is harmless; everything else on the primary.

With `DATABASE_REPLICA_URL` set, the `replica` alias exists and this router is on. A request reads from
the replica only when all of these hold:

- it is a safe request (GET, HEAD, OPTIONS);
- its client has not written within `RECSITE_REPLICA_PIN_SECONDS` (the `recsite_primary` cookie, set on
  every answer to a request that wrote), so a user sees their own rating on the next page;
- it has not written yet itself, and is not inside a transaction on the primary;
- the replica has not failed this process in the last `RECSITE_REPLICA_RETRY_SECONDS`: the request that
  finds it down answers 503 with `Retry-After`, and the reads after it go to the primary meanwhile.

Writes always go to the primary, and so do Celery tasks, management commands and the shell: only
`ReplicaReadsMiddleware` ever allows replica reads.
"""

import contextvars
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PIN_COOKIE = "recsite_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _Reads:
    from_replica: bool
    wrote: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar("recsite_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def primary_reads():
    """Read from the primary inside this block, whatever the request (the health check's own reads)."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if reads and reads.from_replica and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        reads = _reads.get()
        if reads:  # read our own writes for the rest of this request, and pin the client for a while
            reads.from_replica, reads.wrote = False, True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # both aliases hold the same rows

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication


class ReplicaReadsMiddleware:
    """Decides, per request, whether its reads may go to the replica (see the module docstring)."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.replica_down_until = 0.0  # monotonic seconds; this process reads from the primary until then

    def __call__(self, request):
        writes = request.method not in SAFE_METHODS
        replica_up = time.monotonic() >= self.replica_down_until
        reads = _Reads(from_replica=replica_up and not writes and PIN_COOKIE not in request.COOKIES)
        token = _reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            _reads.reset(token)
        if writes or reads.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.RECSITE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request, exception):
        """A database error on the replica's connection: reads go to the primary for a while. The request
        itself still fails (503 with Retry-After, common.errors), so nothing is answered half-read."""
        if isinstance(exception, DatabaseError) and connections[REPLICA].errors_occurred:
            seconds = settings.RECSITE_REPLICA_RETRY_SECONDS
            self.replica_down_until = time.monotonic() + seconds
            logger.warning("replica: %s; reads go to the primary for %s s", exception, seconds)

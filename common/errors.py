"""The server-error answer: a database that cannot be reached (restarting, failing over) is a 503 the
client may retry, not a 500; the app reconnects by itself on a later request (CONN_HEALTH_CHECKS)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

RETRY_AFTER_SECONDS = 5


def server_error(request) -> HttpResponse:
    """handler500. Django calls it inside its `except` block, so the exception is `sys.exc_info()`'s.
    The pages are plain templates that need no database: it may be what failed."""
    exception = sys.exc_info()[1]
    unavailable = isinstance(exception, OperationalError | InterfaceError)
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        detail = "The service is briefly unavailable; try again shortly." if unavailable else "Server error."
        response = JsonResponse({"detail": detail}, status=status)
    else:
        response = HttpResponse(loader.render_to_string(f"{status}.html"), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

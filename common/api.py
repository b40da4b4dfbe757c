"""The API's exception handler (a service's Django ValidationError becomes a 400 with field messages) and
its JSON 404 for paths no endpoint has."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView, exception_handler


def api_exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by services) as a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return exception_handler(exc, context)


class NotFoundView(APIView):
    """Any /api/ path no endpoint has ("/api/v1/items/0.5/", "/api/v1/nope/"): the documented JSON 404, as
    every endpoint answers, never Django's HTML page."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
    schema = None  # no operation of its own in the schema

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    get = post = put = patch = delete = head = options = http_method_not_allowed

"""The API's exception handler (a service's Django ValidationError becomes a 400 with field messages), its
JSON 404 for paths no endpoint has, and JSON errors from the schema and docs views, so that every error
under /api/ is JSON: 404, and 405 with `Allow` (DRF's own, on every endpoint)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView, exception_handler


def api_exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by services) as a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return exception_handler(exc, context)


def endpoint_at(path: str) -> bool:
    """Whether an endpoint (not the catch-all below) answers at `path`."""
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "view_class", None) is not NotFoundView


class NotFoundView(APIView):
    """Any /api/ path no endpoint has ("/api/v1/items/0.5/", "/api/v1/nope/", "/api/"): the documented JSON
    404, whatever the method, as every endpoint answers, never Django's HTML page. A path that only lacks
    its final slash is redirected to it for GET and HEAD (what APPEND_SLASH does); any other method gets the
    404 naming the path to use, not a redirect that would drop its body (nor, with DEBUG, Django's 500)."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []
    schema = None  # no operation of its own in the schema

    @property
    def default_response_headers(self) -> dict:
        """No `Allow`: there is nothing here to allow a method on."""
        return {name: value for name, value in super().default_response_headers.items() if name != "Allow"}

    def not_found(self, request, *args, **kwargs):
        if not request.path_info.endswith("/") and endpoint_at(f"{request.path_info}/"):
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            raise NotFound(f"No such path: every API path ends in a slash ({request.path}/).")
        raise NotFound()

    http_method_not_allowed = get = post = put = patch = delete = head = options = trace = not_found


class JsonErrors:
    """For views whose own answer is not JSON (the schema is YAML, the docs page HTML): their errors (a 405
    with `Allow`, a 406, a 429) and their OPTIONS answers are JSON, like every other answer under /api/."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and (response.status_code >= 400 or request.method == "OPTIONS"):
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return response


class SchemaView(JsonErrors, SpectacularAPIView):
    """/api/schema/: the OpenAPI schema (YAML, or JSON with ?format=json). The same for every caller, so no
    credentials are read: a client holding an expired token still gets it, not a 401. Limited on its own
    ("schema" rate), so a client that spent its API limit (a fuzzer, say) still reads the schema."""

    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "schema"


class SchemaDocsView(JsonErrors, SpectacularSwaggerSplitView):
    """/api/docs/: Swagger UI over the schema (which sends the credentials typed into it, not this page)."""

    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "schema"

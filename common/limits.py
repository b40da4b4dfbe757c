"""Rate limits outside the API (whose throttles are DRF's): the site's requests in words, its sign-in,
sign-up and password-reset forms and the admin's sign-in, and new reasons. Counted in the shared cache by
django-ratelimit, per client address (behind DJANGO_NUM_PROXIES proxies, as the API counts them) and, for
sign-in, per account too. A cache outage lets requests through uncounted, like the API's throttles."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django_ratelimit.core import get_usage

RETRY_AFTER_SECONDS = 60


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with DJANGO_NUM_PROXIES proxies in front, the address the
    outermost of them saw (X-Forwarded-For, counted from the right, as DRF's throttles read it)."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def client_key(group: str, request: HttpRequest) -> str:
    """The signed-in user, else the client's address: whom a limit counts."""
    user = getattr(request, "user", None)
    return f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{client_address(request)}"


def limit_reached(request: HttpRequest, *, group: str, rate: str, key=client_key, count: bool = True) -> bool:
    """Whether this request goes over `rate` ("20/m") for its key in `group`; counts it when `count`."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=count)
    if usage is None:  # the cache is unreachable (RATELIMIT_FAIL_OPEN): uncounted, like the API's throttles
        return False
    return usage["should_limit"] if count else usage["count"] >= usage["limit"]


def too_many_requests(request: HttpRequest, *, what: str) -> HttpResponse:
    """429 with Retry-After, as a page: "Too many <what>; try again in a minute"."""
    body = render_to_string("429.html", {"what": what, "retry_after": RETRY_AFTER_SECONDS}, request=request)
    return HttpResponse(body, status=429, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


class FormLimitMiddleware:
    """Failed sign-ins (the site's and the admin's) and sign-ups, and every password-reset request, are
    limited per client address, and sign-ins per account too (RECSITE_FORM_RATE each, "5/m"): the next
    one answers 429. Failures only: signing in right never counts, so a shared address keeps working."""

    # url name -> (what it is, count only failures: the form shown again)
    FORMS = {
        "login": ("sign-in attempts", True),
        "admin:login": ("sign-in attempts", True),
        "signup": ("sign-up attempts", True),
        "password_reset": ("password reset requests", False),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form = self._limited_form(request)
        if form is None:
            return self.get_response(request)
        url_name, (what, failures_only) = form
        rate = settings.RECSITE_FORM_RATE
        keys = [("address", lambda group, request: client_address(request))]
        username = request.POST.get("username", "").strip().lower()
        if username and url_name in ("login", "admin:login"):
            keys.append(("account", lambda group, request: username))
        groups = [(f"form:{url_name}:{name}", key) for name, key in keys]
        if any(limit_reached(request, group=group, rate=rate, key=key, count=False) for group, key in groups):
            return too_many_requests(request, what=what)
        response = self.get_response(request)
        if not failures_only or response.status_code == 200:  # 200: the form again, with its errors
            for group, key in groups:
                limit_reached(request, group=group, rate=rate, key=key)
        return response

    def _limited_form(self, request: HttpRequest):
        if request.method != "POST":
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        url_name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        return (url_name, self.FORMS[url_name]) if url_name in self.FORMS else None

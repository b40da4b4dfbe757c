"""System checks on how the settings fit together; registered when the recsite package is imported, so
every management command (`check --deploy`, `migrate`, `runserver`) and each gunicorn worker as it starts
(recsite/gunicorn_conf.py) runs them."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def proxy_count_check(app_configs, **kwargs) -> list[Error]:
    """Behind a TLS proxy (SECURE_PROXY_SSL_HEADER trusted) the rate limits must count the proxies: with
    none counted, every client's address is the proxy's, and all of them share one bucket."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not proxies:
        return [
            Error(
                f"SECURE_PROXY_SSL_HEADER is set (DJANGO_BEHIND_TLS_PROXY) but REST_FRAMEWORK NUM_PROXIES is "
                f"{proxies!r}: every client would be counted as the proxy's address, in one rate-limit bucket",
                hint="Set DJANGO_NUM_PROXIES to the number of proxies in front of the site that append to "
                "X-Forwarded-For (1 for one load balancer); docs/DEPLOY.md, behind a proxy.",
                id="recsite.E001",
            )
        ]
    return []

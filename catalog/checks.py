from django.conf import settings
from django.core.checks import Error, register

from language.domain import DomainError, domain_load


@register()
def domain_check(app_configs, **kwargs) -> list[Error]:
    """RECSITE_DOMAIN names a domain that loads (at start-up, not in the first request that needs it)."""
    try:
        domain_load(settings.RECSITE_DOMAIN)
    except DomainError as exc:
        return [Error(f"RECSITE_DOMAIN: {exc}", id="catalog.E001")]
    return []

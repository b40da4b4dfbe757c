from django.conf import settings
from django.core.checks import Error, register

from explanations.generation import GENERATORS


@register()
def generator_check(app_configs, **kwargs) -> list[Error]:
    """The generator backend the settings name is registered; the adapter trial's share is a share."""
    if settings.RECSITE_GENERATOR_BACKEND not in GENERATORS:
        backend = settings.RECSITE_GENERATOR_BACKEND
        return [
            Error(
                f"RECSITE_GENERATOR_BACKEND {backend!r} is not one of {', '.join(GENERATORS)}", id="explanations.E001"
            )
        ]
    if not 0 <= settings.RECSITE_ADAPTER_SPLIT <= 1:
        split = settings.RECSITE_ADAPTER_SPLIT
        return [Error(f"RECSITE_ADAPTER_SPLIT {split} is not a share of users (0 to 1)", id="explanations.E002")]
    return []

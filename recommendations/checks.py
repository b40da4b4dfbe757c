from django.conf import settings
from django.core.checks import Error, register

from recengine.recommender import RECOMMENDERS
from recommendations.serving import ENCODERS


@register()
def seams_check(app_configs, **kwargs) -> list[Error]:
    """The algorithm and the encoder backend the settings name are registered."""
    errors = []
    if settings.RECSITE_ALGORITHM not in RECOMMENDERS:
        errors.append(
            Error(
                f"RECSITE_ALGORITHM {settings.RECSITE_ALGORITHM!r} is not one of {', '.join(sorted(RECOMMENDERS))}",
                id="recommendations.E001",
            )
        )
    if settings.RECSITE_ENCODER_BACKEND not in ENCODERS:
        errors.append(
            Error(
                f"RECSITE_ENCODER_BACKEND {settings.RECSITE_ENCODER_BACKEND!r} is not one of {', '.join(ENCODERS)}",
                id="recommendations.E002",
            )
        )
    return errors

from django.apps import AppConfig


class ExplanationsConfig(AppConfig):
    """Reasons: why an item is recommended, written by a language model from facts we hold, and cached."""

    name = "explanations"

    def ready(self) -> None:
        from explanations import checks, receivers  # noqa: F401  (checks registers the system check)
        from feedback.signals import feedback_recorded
        from recommendations.signals import model_version_activated

        feedback_recorded.connect(receivers.feedback_recorded_replace_reason, dispatch_uid="explanations.unhelpful")
        model_version_activated.connect(
            receivers.model_version_activated_precompute, dispatch_uid="explanations.precompute"
        )

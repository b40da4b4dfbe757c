"""What the explanations app does when the floors below it act (connected in ExplanationsConfig.ready())."""

from django.conf import settings
from django.db import transaction

from explanations.services import explanation_unhelpful
from explanations.tasks import explanations_precompute_task
from feedback.models import FeedbackEvent


def feedback_recorded_replace_reason(*, event: FeedbackEvent, **kwargs) -> None:
    """ "Reason unhelpful": the voter sees the template from then on; once RECSITE_REASON_UNHELPFUL_VOTES
    users found it unhelpful, everyone does (one user cannot rewrite a reason others share)."""
    if event.kind == FeedbackEvent.Kind.REASON_UNHELPFUL and event.explanation is not None:
        explanation_unhelpful(explanation=event.explanation, user=event.user)


def model_version_activated_precompute(**kwargs) -> None:
    """A new version serves: once it commits, write ahead the reasons recently active users will see first.
    Not with in-process tasks, which would make training wait for a language model."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    transaction.on_commit(explanations_precompute_task.delay, robust=True)  # a broker down: logged, not raised

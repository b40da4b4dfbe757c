import pytest
from django.urls import reverse

from feedback.models import FeedbackEvent
from tests.factories import ExplanationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_feedback_events_are_listed_read_only(client, admin_user):
    explanation = ExplanationFactory()
    FeedbackEvent.objects.create(user=UserFactory(), item=explanation.item, kind="like")
    client.force_login(admin_user)

    listing = client.get(reverse("admin:feedback_feedbackevent_changelist"))

    assert listing.status_code == 200
    assert "like" in listing.content.decode()
    assert client.get(reverse("admin:feedback_feedbackevent_add")).status_code == 403

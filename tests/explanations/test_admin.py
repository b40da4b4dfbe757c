import pytest
from django.urls import reverse

from feedback.models import FeedbackEvent
from tests.factories import ExplanationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_reasons_changelist_counts_helpful_and_unhelpful_per_prompt_version(client, admin_user):
    old, new = ExplanationFactory(prompt_version="fewshot-1"), ExplanationFactory(prompt_version="fewshot-2")
    for kind, explanation in [("reason_helpful", old), ("reason_unhelpful", old), ("reason_unhelpful", old),
                              ("reason_helpful", new), ("reason_helpful", new)]:  # fmt: skip
        FeedbackEvent.objects.create(user=UserFactory(), item=explanation.item, kind=kind, explanation=explanation)
    client.force_login(admin_user)

    response = client.get(reverse("admin:explanations_explanation_changelist"))

    assert response.status_code == 200
    rows = {row["prompt_version"]: row for row in response.context["by_version"]}
    assert (rows["fewshot-1"]["helpful"], rows["fewshot-1"]["unhelpful"]) == (1, 2)
    assert (rows["fewshot-2"]["helpful"], rows["fewshot-2"]["unhelpful"]) == (2, 0)
    assert "Reader feedback by prompt version" in response.content.decode()

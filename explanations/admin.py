from django.contrib import admin
from django.db.models import Count, Q

from explanations.models import Explanation
from feedback.models import FeedbackEvent


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    """Reasons as written and served, with how readers rated them; the changelist opens with the
    helpful / unhelpful counts per prompt version."""

    list_display = ["pk", "item", "status", "source", "prompt_version", "model_name", "helpful", "unhelpful", "updated"]
    list_filter = ["status", "source", "prompt_version", "model_name"]
    list_select_related = ["item"]
    raw_id_fields = ["item"]
    search_fields = ["item__title", "text"]
    readonly_fields = [field.name for field in Explanation._meta.fields]
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(**_feedback_counts())

    @admin.display(ordering="helpful")
    def helpful(self, explanation: Explanation) -> int:
        return explanation.helpful

    @admin.display(ordering="unhelpful")
    def unhelpful(self, explanation: Explanation) -> int:
        return explanation.unhelpful

    def changelist_view(self, request, extra_context=None):
        by_version = (
            Explanation.objects.values("prompt_version")
            .annotate(reasons=Count("pk", distinct=True), **_feedback_counts())
            .order_by("-prompt_version")
        )
        return super().changelist_view(request, extra_context={**(extra_context or {}), "by_version": by_version})

    def has_add_permission(self, request):
        return False


def _feedback_counts() -> dict:
    return {
        "helpful": Count("feedback", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_HELPFUL)),
        "unhelpful": Count("feedback", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_UNHELPFUL)),
    }

from django.contrib import admin, messages
from django.db.models import Count, Q

from explanations.models import Explanation, GeneratorAdapter
from explanations.tuning import adapter_activate, adapter_retire, adapter_trial
from feedback.models import FeedbackEvent


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    """Reasons as written and served, with how readers rated them; the changelist opens with the
    helpful / unhelpful counts per prompt version."""

    list_display = [
        "pk", "item", "status", "source", "prompt_version", "model_name", "adapter", "helpful", "unhelpful", "updated",
    ]  # fmt: skip
    list_filter = ["status", "source", "prompt_version", "model_name", "adapter"]
    list_select_related = ["item", "adapter"]
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


@admin.register(GeneratorAdapter)
class GeneratorAdapterAdmin(admin.ModelAdmin):
    """The generator's tuned adapters, each with its prompt version, its measure against the model alone,
    and how readers rated the reasons it wrote; actions activate one (a rollback, when it is an earlier one),
    put one on trial for RECSITE_ADAPTER_SPLIT of the users, or retire one."""

    list_display = [
        "version", "status", "prompt_version", "examples", "acceptance", "base_acceptance", "reasons", "helpful",
        "unhelpful", "helpful_rate", "created", "activated",
    ]  # fmt: skip
    list_filter = ["status", "prompt_version"]
    readonly_fields = [field.name for field in GeneratorAdapter._meta.fields]
    actions = ["activate", "trial", "retire"]
    show_full_result_count = False

    def get_queryset(self, request):
        prefix = "explanations__feedback__kind"
        return (
            super()
            .get_queryset(request)
            .annotate(
                reasons=Count("explanations", distinct=True),
                helpful=Count("explanations__feedback", filter=Q(**{prefix: FeedbackEvent.Kind.REASON_HELPFUL})),
                unhelpful=Count("explanations__feedback", filter=Q(**{prefix: FeedbackEvent.Kind.REASON_UNHELPFUL})),
            )
        )

    @admin.display(description="first-attempt acceptance")
    def acceptance(self, adapter: GeneratorAdapter) -> str:
        return _share(adapter.metrics.get("candidate", {}).get("acceptance"))

    @admin.display(description="without it")
    def base_acceptance(self, adapter: GeneratorAdapter) -> str:
        return _share(adapter.metrics.get("base", {}).get("acceptance"))

    @admin.display(ordering="reasons")
    def reasons(self, adapter: GeneratorAdapter) -> int:
        return adapter.reasons

    @admin.display(ordering="helpful")
    def helpful(self, adapter: GeneratorAdapter) -> int:
        return adapter.helpful

    @admin.display(ordering="unhelpful")
    def unhelpful(self, adapter: GeneratorAdapter) -> int:
        return adapter.unhelpful

    @admin.display(description="helpful rate")
    def helpful_rate(self, adapter: GeneratorAdapter) -> str:
        votes = adapter.helpful + adapter.unhelpful
        return _share(adapter.helpful / votes if votes else None)

    @admin.action(description="Activate (serve to everyone; a rollback when it is an earlier one)")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one adapter to activate.", messages.ERROR)
            return
        adapter = adapter_activate(adapter=queryset.get())
        self.message_user(request, f"{adapter.version} is active.")

    @admin.action(description="Put on trial (RECSITE_ADAPTER_SPLIT of the users)")
    def trial(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one adapter to put on trial.", messages.ERROR)
            return
        adapter = adapter_trial(adapter=queryset.get())
        self.message_user(request, f"{adapter.version} is on trial.")

    @admin.action(description="Retire (retiring the active one serves the model alone)")
    def retire(self, request, queryset):
        for adapter in queryset:
            adapter_retire(adapter=adapter)
        self.message_user(request, f"Retired {len(queryset)}.")

    def has_add_permission(self, request):
        return False


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _feedback_counts() -> dict:
    return {
        "helpful": Count("feedback", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_HELPFUL)),
        "unhelpful": Count("feedback", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_UNHELPFUL)),
    }

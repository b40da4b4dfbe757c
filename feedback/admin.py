from django.contrib import admin

from feedback.models import FeedbackEvent, Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """For inspection: ratings come from users and imports, not from staff edits."""

    list_display = ["user", "item", "value", "created", "updated"]
    list_filter = ["value"]
    list_select_related = ["user", "item"]
    raw_id_fields = ["user", "item"]
    search_fields = ["user__username", "item__title"]
    show_full_result_count = False


@admin.register(FeedbackEvent)
class FeedbackEventAdmin(admin.ModelAdmin):
    """For inspection: reactions come from users, and their history is kept as it happened."""

    list_display = ["user", "item", "kind", "explanation", "created"]
    list_filter = ["kind"]
    list_select_related = ["user", "item", "explanation"]
    raw_id_fields = ["user", "item", "explanation"]
    search_fields = ["user__username", "item__title"]
    date_hierarchy = "created"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin

from feedback.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """For inspection: ratings come from users and imports, not from staff edits."""

    list_display = ["user", "item", "value", "created", "updated"]
    list_filter = ["value"]
    list_select_related = ["user", "item"]
    raw_id_fields = ["user", "item"]
    search_fields = ["user__username", "item__title"]
    show_full_result_count = False

from django.contrib import admin

from recommendations.models import ModelVersion


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """For inspection: versions are written by training, never edited by hand."""

    list_display = ["pk", "status", "trained_at", "activated_at", "n_users", "n_items", "n_ratings", "n_neighbors"]
    list_filter = ["status"]
    exclude = ["popular_item_ids"]
    readonly_fields = [field.name for field in ModelVersion._meta.fields if field.name != "popular_item_ids"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

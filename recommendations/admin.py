from django.contrib import admin

from recommendations.models import ModelVersion, TrainingRun


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    """For inspection: versions are written by training, never edited by hand."""

    list_display = [
        "pk", "status", "trained_at", "activated_at", "revision", "refreshed_at", "n_users", "n_items", "n_ratings",
        "n_neighbors",
    ]  # fmt: skip
    list_filter = ["status"]
    exclude = ["popular_item_ids"]
    readonly_fields = [field.name for field in ModelVersion._meta.fields if field.name != "popular_item_ids"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """For inspection: runs are started by `manage.py train --blocks N` or the hourly retrain."""

    list_display = ["pk", "status", "blocks", "started_at", "finished_at", "version", "n_items", "n_ratings"]
    list_filter = ["status"]
    exclude = ["snapshot", "item_ids", "dirty_marked"]
    readonly_fields = [
        field.name for field in TrainingRun._meta.fields if field.name not in ("snapshot", "item_ids", "dirty_marked")
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.contrib import admin, messages
from django.db.models import Count

from catalog.models import Category, CategoryAlias, Item
from catalog.services import item_set_flags


class DecadeFilter(admin.SimpleListFilter):
    """Year ranges by decade, offered only for decades the catalogue has."""

    title = "year range"
    parameter_name = "decade"

    def lookups(self, request, model_admin):
        years = Item.objects.exclude(year=None).order_by().values_list("year", flat=True)
        decades = sorted({year // 10 * 10 for year in years.distinct()}, reverse=True)
        return [("none", "No year"), *[(str(decade), f"{decade}s") for decade in decades]]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(year=None)
        if value and value.isdigit():
            return queryset.filter(year__gte=int(value), year__lte=int(value) + 9)
        return queryset


class CategoryAliasInline(admin.TabularInline):
    """Words people use for the category in requests, beyond the domain's own synonyms."""

    model = CategoryAlias
    extra = 1


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "item_count"]
    search_fields = ["name", "aliases__phrase"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CategoryAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(ordering="item_count", description="items")
    def item_count(self, category):
        return category.item_count


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "category_names", "is_active", "is_featured", "source", "updated"]
    list_filter = ["is_active", "is_featured", DecadeFilter, "categories", "source"]
    search_fields = ["title"]
    filter_horizontal = ["categories"]
    readonly_fields = ["source", "source_id", "created", "updated"]
    fieldsets = [
        (None, {"fields": ["title", "year", "categories", "description", "keywords"]}),
        ("Curation", {"fields": ["is_active", "is_featured"]}),
        ("Origin", {"fields": ["source", "source_id", "external_ids", "created", "updated"]}),
    ]
    actions = ["activate", "deactivate", "feature", "unfeature"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description="categories")
    def category_names(self, item):
        return ", ".join(category.name for category in item.categories.all())

    def _set_flags(self, request, queryset, verb: str, **flags):
        changed = item_set_flags(items=queryset, **flags)
        self.message_user(request, f"{changed} item(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Activate selected items (shown to users)")
    def activate(self, request, queryset):
        self._set_flags(request, queryset, "activated", is_active=True)

    @admin.action(description="Deactivate selected items (hidden from users)")
    def deactivate(self, request, queryset):
        self._set_flags(request, queryset, "deactivated", is_active=False)

    @admin.action(description="Feature selected items")
    def feature(self, request, queryset):
        self._set_flags(request, queryset, "featured", is_featured=True)

    @admin.action(description="Unfeature selected items")
    def unfeature(self, request, queryset):
        self._set_flags(request, queryset, "unfeatured", is_featured=False)

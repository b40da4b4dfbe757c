"""/api/v1/items/: the catalogue for the apps (active items for everyone, every item and the writes for
staff), with filters. Thin callers of catalog selectors and services; each item's similar items are
recommendations' (/api/v1/items/{id}/similar/)."""

import django_filters
from rest_framework import permissions, serializers, viewsets

from catalog.models import Category, Item
from catalog.services import item_create, item_set_flags, item_update


class CategorySlugField(serializers.SlugRelatedField):
    """A category by slug; text no slug can hold (a NUL byte, over-long) is "no such category", not a
    database error."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Category.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > Category._meta.get_field("slug").max_length:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:60])
        return super().to_internal_value(data)


class ItemSerializer(serializers.ModelSerializer):
    categories = CategorySlugField(many=True)
    year = serializers.IntegerField(min_value=1870, max_value=2100, allow_null=True, required=False)

    class Meta:
        model = Item
        fields = ["id", "title", "year", "description", "keywords", "categories", "is_active", "is_featured"]
        read_only_fields = ["id"]


class ItemFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="categories__slug", help_text="A category slug.")
    year_min = django_filters.NumberFilter(field_name="year", lookup_expr="gte")
    year_max = django_filters.NumberFilter(field_name="year", lookup_expr="lte")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200, help_text="Title words.")

    class Meta:
        model = Item
        fields = ["category", "year_min", "year_max", "q"]


class ReadOrStaff(permissions.BasePermission):
    """Anyone reads; only staff write."""

    anonymous_methods = permissions.SAFE_METHODS  # for the schema (common.openapi)

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_staff)


class ItemViewSet(viewsets.ModelViewSet):
    """Items. DELETE deactivates (the item and its ratings are kept); staff see inactive items too."""

    serializer_class = ItemSerializer
    filterset_class = ItemFilter
    permission_classes = [ReadOrStaff]

    def get_queryset(self):
        items = Item.objects.prefetch_related("categories").order_by("title", "pk")
        return items if self.request.user.is_staff else items.filter(is_active=True)

    def perform_create(self, serializer):
        serializer.instance = item_create(**serializer.validated_data)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        categories = fields.pop("categories", None)
        serializer.instance = item_update(item=serializer.instance, categories=categories, **fields)

    def perform_destroy(self, instance):
        item_set_flags(items=Item.objects.filter(pk=instance.pk), is_active=False)

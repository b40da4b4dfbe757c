"""/api/v1/items/: the catalogue for the apps (active items for everyone, every item and the writes for
staff), with filters. Thin callers of catalog selectors and services; each item's similar items are
recommendations' (/api/v1/items/{id}/similar/)."""

import re

import django_filters
from django import forms
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.relations import MANY_RELATION_KWARGS

from catalog.models import Category, Item
from catalog.services import item_create, item_set_flags, item_update
from common.openapi import NO_NUL


class CategoryListField(serializers.ManyRelatedField):
    """Category slugs as a JSON array, as the schema says: DRF's own reads an object as the list of its keys
    (`"categories": {}` would remove every category)."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class CategorySlugField(serializers.SlugRelatedField):
    """A category by slug; text no slug can hold (a NUL byte, over-long) is "no such category", not a
    database error."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", queryset=Category.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > Category._meta.get_field("slug").max_length:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:60])
        return super().to_internal_value(data)

    @classmethod
    def many_init(cls, *args, **kwargs):
        """many=True: a CategoryListField of this field."""
        many = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return CategoryListField(child_relation=cls(*args, **kwargs), **many)


class StrictBooleanField(serializers.BooleanField):
    """JSON's true or false, as the schema says: DRF's own also takes 1, "yes" or "on"."""

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    """A JSON string, as the schema says: DRF's own also takes a number (5 becomes "5")."""

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ItemSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }
    categories = CategorySlugField(many=True)
    year = serializers.IntegerField(min_value=1870, max_value=2100, allow_null=True, required=False)

    class Meta:
        model = Item
        fields = ["id", "title", "year", "description", "keywords", "categories", "is_active", "is_featured"]
        read_only_fields = ["id"]


class WholeNumberField(forms.IntegerField):
    """Digits, as an integer parameter is written: Django's own also takes "1990.0" and " 1990", and reads
    one sent empty (`?year_max=`) as no bound at all."""

    def to_python(self, value):
        if value is not None and not re.fullmatch(r"-?[0-9]+", str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IntegerFilter(django_filters.NumberFilter):
    """A whole number, as the schema says (NumberFilter would take 1990.5, and skip an empty value)."""

    field_class = WholeNumberField


@extend_schema_field({"type": "string", "pattern": NO_NUL})
class TextFilter(django_filters.CharFilter):
    """Text, declared as the form field reads it: anything but NUL."""


@extend_schema_field({"type": "string", "maxLength": 200, "pattern": NO_NUL})
class TitleWordsFilter(django_filters.CharFilter):
    """Words of a title, declared as the form field reads them: 200 characters at most, no NUL."""


class ItemFilter(django_filters.FilterSet):
    category = TextFilter(field_name="categories__slug", help_text="A category slug.")
    year_min = IntegerFilter(field_name="year", lookup_expr="gte")
    year_max = IntegerFilter(field_name="year", lookup_expr="lte")
    q = TitleWordsFilter(field_name="title", lookup_expr="icontains", max_length=200, help_text="Title words.")

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

"""/api/v1/ratings/ and /api/v1/feedback/: the signed-in user's own ratings and reactions (nobody else's
exist here: another user's answers 404). Thin callers of feedback services."""

from decimal import Decimal, InvalidOperation

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Item
from feedback.models import RATING_VALUES, FeedbackEvent, Rating
from feedback.services import feedback_record, rating_delete, rating_upsert

ITEM_ID = OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="The rated item's id.")
# A rating sent as a string ("4.5", as v1 clients did before numbers) still works until the sunset, and each
# such answer says so (RFC 9745 Deprecation, RFC 8594 Sunset; docs/API.md "Versions and deprecations").
STRING_RATING_DEPRECATION = {
    "Deprecation": "@1796083200",  # 2026-12-01
    "Sunset": "Wed, 30 Jun 2027 00:00:00 GMT",
    "Link": '</docs/API.md#versions-and-deprecations>; rel="deprecation"',
}


@extend_schema_field(
    {"type": "number", "format": "double", "minimum": 0.5, "maximum": 5.0, "multipleOf": 0.5, "example": 4.5}
)
class RatingValueField(serializers.DecimalField):
    """A value on the half-star grid, sent as any JSON number (5, 5.0, 4.5) or numeric string ("4.5", as
    older clients do), answered as a JSON number."""

    default_error_messages = {"invalid_rating": "{value} is not a rating: use 0.5 to 5.0 in steps of 0.5."}

    def __init__(self, **kwargs):
        super().__init__(max_digits=2, decimal_places=1, coerce_to_string=False, **kwargs)

    def to_internal_value(self, data) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, int | float | str) or len(str(data)) > 20:
            self.fail("invalid")
        try:
            value = Decimal(str(data).strip())
        except InvalidOperation:
            self.fail("invalid")
        if not value.is_finite() or value not in RATING_VALUES:
            self.fail("invalid_rating", value=str(data).strip())
        return RATING_VALUES[RATING_VALUES.index(value)]  # the grid's own Decimal: 5 -> 5.0


class RatingSerializer(serializers.ModelSerializer):
    item = serializers.PrimaryKeyRelatedField(read_only=True)
    value = RatingValueField(help_text="0.5 to 5.0 in steps of 0.5, as a number (a numeric string is accepted too).")

    class Meta:
        model = Rating
        fields = ["item", "value", "created", "updated"]
        read_only_fields = ["item", "created", "updated"]


class FeedbackEventSerializer(serializers.ModelSerializer):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.filter(is_active=True))

    class Meta:
        model = FeedbackEvent
        fields = ["id", "item", "kind", "explanation", "created"]
        read_only_fields = ["id", "created"]
        # The reason's field is built from the model's foreign key, so this app names no model above it.
        extra_kwargs = {"explanation": {"required": False, "allow_null": True, "help_text": "For reason_* kinds."}}


class RatingViewSet(viewsets.GenericViewSet):
    """The user's ratings, addressed by item: PUT rates (or changes), DELETE removes."""

    serializer_class = RatingSerializer
    queryset = Rating.objects.none()  # the schema's model; requests use get_queryset
    # Any id, as the item routes take it (the router's default pattern): "-1" or "abc" is a JSON 404 (DRF's
    # get_object_or_404 turns a value that is no number into one), not Django's HTML page.
    lookup_field = "item_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return self.queryset
        return Rating.objects.filter(user=self.request.user).order_by("-updated", "-pk")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=[ITEM_ID])  # each detail action declares its path parameter; list has none
    def retrieve(self, request: Request, item_id: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(parameters=[ITEM_ID], responses={200: RatingSerializer, 201: RatingSerializer})
    def update(self, request: Request, item_id: int) -> Response:
        item = get_object_or_404(Item.objects.filter(is_active=True), pk=item_id)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating, created = rating_upsert(user=request.user, item=item, value=serializer.validated_data["value"])
        sent_as_string = isinstance(request.data, dict) and isinstance(request.data.get("value"), str)
        return Response(
            self.get_serializer(rating).data,
            status=status.HTTP_201_CREATED if created else 200,
            headers=STRING_RATING_DEPRECATION
            if sent_as_string and request.content_type == "application/json"
            else None,
        )

    @extend_schema(parameters=[ITEM_ID])
    def destroy(self, request: Request, item_id: int) -> Response:
        item = get_object_or_404(Item, pk=item_id)
        if not rating_delete(user=request.user, item=item):
            return Response({"detail": "You have not rated this item."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The user's reactions: like, dislike, not_interested, click, reason_helpful, reason_unhelpful."""

    serializer_class = FeedbackEventSerializer
    queryset = FeedbackEvent.objects.none()  # the schema's model; requests use get_queryset

    @property
    def throttle_scope(self) -> str | None:
        """The "feedback" rate limits writes only; reads count against the user's general rate."""
        return "feedback" if self.request.method == "POST" else None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return self.queryset
        return FeedbackEvent.objects.filter(user=self.request.user).order_by("-created", "-pk")

    @extend_schema(responses={201: FeedbackEventSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = feedback_record(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)

"""/api/v1/ratings/ and /api/v1/feedback/: the signed-in user's own ratings and reactions (nobody else's
exist here: another user's answers 404). Thin callers of feedback services."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.models import Item
from feedback.models import RATING_VALUES, FeedbackEvent, Rating
from feedback.services import feedback_record, rating_delete, rating_upsert

ITEM_ID = OpenApiParameter("item_id", int, OpenApiParameter.PATH, description="The rated item's id.")


class RatingSerializer(serializers.ModelSerializer):
    item = serializers.PrimaryKeyRelatedField(read_only=True)
    value = serializers.ChoiceField(
        choices=[(str(v), str(v)) for v in RATING_VALUES], help_text="0.5 to 5.0 in steps of 0.5, as a string."
    )

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


@extend_schema(parameters=[ITEM_ID])
class RatingViewSet(viewsets.GenericViewSet):
    """The user's ratings, addressed by item: PUT rates (or changes), DELETE removes."""

    serializer_class = RatingSerializer
    queryset = Rating.objects.none()  # the schema's model; requests use get_queryset
    lookup_field = "item_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return self.queryset
        return Rating.objects.filter(user=self.request.user).order_by("-updated", "-pk")

    @extend_schema(parameters=[])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, item_id: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={200: RatingSerializer, 201: RatingSerializer})
    def update(self, request: Request, item_id: int) -> Response:
        item = get_object_or_404(Item.objects.filter(is_active=True), pk=item_id)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating, created = rating_upsert(user=request.user, item=item, value=serializer.validated_data["value"])
        return Response(self.get_serializer(rating).data, status=status.HTTP_201_CREATED if created else 200)

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

"""/api/v1/recommendations/ and /api/v1/explanations/: the user's list (optionally for a request in
words), each item with the link to its reason, and the reason for one item. Thin callers of the
recommendations selectors and the explanations services."""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Item
from explanations.selectors import explanations_ready
from explanations.services import explanation_request
from recommendations.api import (
    MAX_INTENT,
    IntentSerializer,
    RecommendationsQuerySerializer,
    RecommendedItemSerializer,
    query_dict,
)
from recommendations.selectors import recommendations_for_user

RETRY_AFTER_SECONDS = 2


class ExplanationQuerySerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.filter(is_active=True))
    intent = serializers.CharField(required=False, max_length=MAX_INTENT)


class ExplanationLinkSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ready", "not_ready"], help_text="not_ready: GET the url to have it written.")
    url = serializers.CharField()


class RecommendationSerializer(RecommendedItemSerializer):
    explanation = ExplanationLinkSerializer()


class RecommendationsSerializer(serializers.Serializer):
    intent = IntentSerializer(allow_null=True)
    items = RecommendationSerializer(many=True)


class ExplanationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ready", "pending"])
    explanation = serializers.IntegerField(
        allow_null=True, help_text="The reason's id, for reason_helpful / reason_unhelpful feedback."
    )
    item = serializers.IntegerField()
    text = serializers.CharField(help_text="Empty while pending.")
    source = serializers.ChoiceField(["generated", "template", ""], help_text="Written by the model, or the template.")


class RecommendationsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[RecommendationsQuerySerializer],
        responses={200: RecommendationsSerializer},
        summary="The user's recommendations (anonymous: the popular ones)",
    )
    def get(self, request: Request) -> Response:
        query = RecommendationsQuerySerializer(data=query_dict(request, lists=("category",)))
        query.is_valid(raise_exception=True)
        intent = query.validated_data.get("intent")
        result = recommendations_for_user(
            user=request.user, n=query.validated_data["n"], categories=query.validated_data["category"], intent=intent
        )
        ready = explanations_ready(result)
        items = [
            {
                "item": r.item,
                "score": r.score,
                "source": r.source,
                "similarity": r.similarity,
                "evidence": [{"item_id": e.item_id, "title": e.title, "share": e.share} for e in r.evidence],
                "explanation": {"status": "ready" if done else "not_ready", "url": explanation_url(r.item.pk, intent)},
            }
            for r, done in zip(result, ready, strict=True)
        ]
        intent_data = result.intent.as_dict() if result.intent else None
        return Response(RecommendationsSerializer({"intent": intent_data, "items": items}).data)


class ExplanationView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[ExplanationQuerySerializer],
        responses={
            200: ExplanationSerializer,
            202: OpenApiResponse(ExplanationSerializer, description="Being written: ask again after Retry-After."),
        },
        summary="Why this item is recommended to the user",
    )
    def get(self, request: Request) -> Response:
        query = ExplanationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        item = query.validated_data["item"]
        result = explanation_request(user=request.user, item=item, intent=query.validated_data.get("intent"))
        body = ExplanationSerializer(
            {
                "status": result.status,
                "explanation": result.explanation_id,
                "item": item.pk,
                "text": result.text,
                "source": result.source,
            }
        ).data
        if result.status == "ready":
            return Response(body)
        return Response(body, status=202, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def explanation_url(item_id: int, intent: str | None) -> str:
    """Where the reason for an item (for a request) is fetched: the API, for apps and the site's script."""
    params = {"item": item_id, **({"intent": intent} if intent else {})}
    return f"{reverse('api:explanation')}?{urlencode(params)}"

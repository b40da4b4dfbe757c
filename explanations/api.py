"""/api/v1/recommendations/ and /api/v1/explanations/: the user's list (optionally for a request in
words), each item with the link to its reason, and the reason for one item. Thin callers of the
recommendations selectors and the explanations services."""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Item
from common.limits import client_key
from explanations.admission import ReasonsRefused
from explanations.selectors import explanations_ready
from explanations.services import explanation_request
from recommendations.api import (
    MAX_INTENT,
    IntentSerializer,
    RecommendationsQuerySerializer,
    RecommendedItemSerializer,
    query_dict,
)
from recommendations.intents import ConversationError, intent_api_fields
from recommendations.selectors import recommendations_for_user
from recommendations.services.conversations import conversation_turn

RETRY_AFTER_SECONDS = 2


class ExplanationQuerySerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=Item.objects.filter(is_active=True))
    intent = serializers.CharField(required=False, max_length=MAX_INTENT)
    conversation = serializers.UUIDField(required=False, help_text="The reason for the conversation's list.")


class ExplanationLinkSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        ["ready", "pending"], help_text="pending: GET the url to have it written (202 with Retry-After meanwhile)."
    )
    url = serializers.URLField(help_text="Absolute, as the pagination links are.")


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


MAX_PAGE_REASONS = 24


class ExplanationsPageQuerySerializer(serializers.Serializer):
    item = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=Item.objects.filter(is_active=True)),
        min_length=1,
        max_length=MAX_PAGE_REASONS,
        help_text="The items of the page (repeat the parameter, at most 24).",
    )
    intent = serializers.CharField(required=False, max_length=MAX_INTENT)
    conversation = serializers.UUIDField(required=False)


class PageReasonSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ready", "pending", "refused"], help_text="refused: ask again later.")
    explanation = serializers.IntegerField(allow_null=True)
    item = serializers.IntegerField()
    text = serializers.CharField()
    source = serializers.ChoiceField(["generated", "template", ""])


class ExplanationsPageSerializer(serializers.Serializer):
    reasons = PageReasonSerializer(many=True)


class RefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RecommendationsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[RecommendationsQuerySerializer],
        responses={200: RecommendationsSerializer},
        summary="The user's recommendations (anonymous: the popular ones)",
    )
    def get(self, request: Request) -> Response:
        query = RecommendationsQuerySerializer(data=query_dict(request, lists=("category", "remove")))
        query.is_valid(raise_exception=True)
        data = query.validated_data
        intent, conversation = data.get("intent"), data.get("conversation")
        if intent is None and conversation is None:
            if data["remove"]:
                raise ValidationError({"remove": ["only with an intent or a conversation"]})
            result = recommendations_for_user(user=request.user, n=data["n"], categories=data["category"])
        else:
            try:
                result = conversation_turn(
                    user=request.user,
                    text=intent,
                    conversation_id=conversation,
                    remove=data["remove"],
                    n=data["n"],
                    categories=data["category"],
                )
            except ConversationError as exc:
                raise ValidationError({exc.field: [str(exc)]}) from None
        ready = explanations_ready(result, user=request.user)
        items = [
            {
                "item": r.item,
                "score": r.score,
                "source": r.source,
                "similarity": r.similarity,
                "evidence": [{"item_id": e.item_id, "title": e.title, "share": e.share} for e in r.evidence],
                "explanation": {
                    "status": "ready" if done else "pending",
                    "url": request.build_absolute_uri(explanation_url(r.item.pk, conversation=result.conversation)),
                },
            }
            for r, done in zip(result, ready, strict=True)
        ]
        intent_data = intent_api_fields(result)
        return Response(RecommendationsSerializer({"intent": intent_data, "items": items}).data)


class ExplanationView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[ExplanationQuerySerializer],
        responses={
            200: ExplanationSerializer,
            202: OpenApiResponse(ExplanationSerializer, description="Being written: ask again after Retry-After."),
            429: OpenApiResponse(RefusedSerializer, description="Your new reasons this minute are used up."),
            503: OpenApiResponse(RefusedSerializer, description="Too many reasons are being written: ask later."),
        },
        summary="Why this item is recommended to the user",
    )
    def get(self, request: Request) -> Response:
        query = ExplanationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        item = query.validated_data["item"]
        try:
            result = explanation_request(
                user=request.user,
                item=item,
                intent=query.validated_data.get("intent"),
                conversation=query.validated_data.get("conversation"),
                requester=client_key("reasons", request),
            )
        except ConversationError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from None
        except ReasonsRefused as exc:
            return refused(exc)
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


def refused(exc: ReasonsRefused) -> Response:
    """429 (the requester's quota of new reasons) or 503 (too many waiting), with Retry-After."""
    return Response({"detail": str(exc)}, status=exc.status, headers={"Retry-After": str(exc.retry_after)})


class ExplanationsPageView(APIView):
    """The reasons of a page of items in one request: what the site's script polls, with backoff, instead
    of one request per item (which a results page of 12 would turn into hundreds a minute)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[ExplanationsPageQuerySerializer],
        responses={200: ExplanationsPageSerializer},
        summary="The reasons for a page of items (Retry-After while some are being written)",
    )
    def get(self, request: Request) -> Response:
        query = ExplanationsPageQuerySerializer(data=query_dict(request, lists=("item",)))
        query.is_valid(raise_exception=True)
        data, requester, retry_after, reasons = query.validated_data, client_key("reasons", request), 0, []
        for item in data["item"]:
            try:
                result = explanation_request(
                    user=request.user, item=item, intent=data.get("intent"), conversation=data.get("conversation"),
                    requester=requester,
                )  # fmt: skip
            except ConversationError as exc:
                raise ValidationError({exc.field: [str(exc)]}) from None
            except ReasonsRefused as exc:
                reasons.append({"status": "refused", "explanation": None, "item": item.pk, "text": "", "source": ""})
                retry_after = max(retry_after, exc.retry_after)
                continue
            if result.status != "ready":
                retry_after = max(retry_after, RETRY_AFTER_SECONDS)
            reasons.append(
                {"status": result.status, "explanation": result.explanation_id, "item": item.pk,
                 "text": result.text, "source": result.source}
            )  # fmt: skip
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return Response(ExplanationsPageSerializer({"reasons": reasons}).data, headers=headers)


def explanation_url(item_id: int, intent: str | None = None, *, conversation: str | None = None) -> str:
    """Where the reason for an item (for a request, or a conversation's) is fetched: the API, for apps and
    the site's script."""
    params = {"item": item_id, **({"intent": intent} if intent else {})}
    if conversation:
        params["conversation"] = conversation
    return f"{reverse('api:explanation')}?{urlencode(params)}"

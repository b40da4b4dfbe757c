"""Recommendation pieces of /api/v1/: the list's query and fields, and /api/v1/items/{id}/similar/.
The list endpoint itself answers with each item's reason link, so it lives in explanations.api."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api import CategorySlugField, ItemSerializer
from catalog.models import Item
from recommendations.selectors import similar_items

MAX_INTENT = 500
SIMILAR_ITEMS = 10


class RecommendationsQuerySerializer(serializers.Serializer):
    intent = serializers.CharField(
        required=False, max_length=MAX_INTENT, help_text="What the user wants, in words: 'light 90s sci-fi, no horror'."
    )
    conversation = serializers.UUIDField(
        required=False,
        help_text="The `intent.conversation` a previous answer returned: `intent` then refines that request "
        "('only older ones', 'no sequels', 'more like the second one'); without `intent` it is shown again.",
    )
    remove = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=20,
        help_text="Chip keys (`intent.chips[].key`, e.g. 'category:comedy', 'years', 'anchor:42') to take off "
        "the request before the list is made (repeat the parameter for several).",
    )
    n = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)
    category = serializers.ListField(
        child=CategorySlugField(),
        required=False,
        default=list,
        help_text="Category slugs: each item is in at least one of them (repeat the parameter for several).",
    )


class AnchorSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)


class KeywordSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    field = serializers.ChoiceField(["keywords", "title", "description"], help_text="Where items mention it.")


class ChipSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Send it as `remove` to take this constraint off.")
    label = serializers.CharField()
    negative = serializers.BooleanField()


class IntentSerializer(serializers.Serializer):
    text = serializers.CharField()
    categories = serializers.ListField(
        child=serializers.CharField(),
        help_text="Category slugs, as the `category` filter takes them: every item is in all of these.",
    )
    excluded = serializers.ListField(
        child=serializers.CharField(), help_text="Category slugs: no item is in any of these."
    )
    category_names = serializers.DictField(
        child=serializers.CharField(),
        help_text="The display name of each slug in `categories` and `excluded`, e.g. {'sci-fi': 'Sci-Fi'}.",
    )
    year_min = serializers.IntegerField(allow_null=True)
    year_max = serializers.IntegerField(allow_null=True)
    summary = serializers.CharField(help_text="What was understood, e.g. 'Sci-Fi · 1990-1999 · not Horror'.")
    anchors = AnchorSerializer(many=True, help_text="Titles named: the list is ranked toward them, never shows them.")
    keywords = KeywordSerializer(many=True, help_text="Words items mention: those items come first.")
    avoided = KeywordSerializer(many=True, help_text="Words refused ('no sequels'): no item mentions them.")
    unmatched = serializers.ListField(child=serializers.CharField(), help_text="Words nothing understood.")
    relaxed = serializers.ListField(
        child=serializers.CharField(), help_text="What was relaxed because too few items met every constraint."
    )
    conversation = serializers.UUIDField(help_text="Send it back with a follow-up `intent`.")
    chips = ChipSerializer(many=True, help_text="Each constraint, with the key that removes it.")


class EvidenceSerializer(serializers.Serializer):
    item_id = serializers.IntegerField()
    title = serializers.CharField()
    share = serializers.FloatField(help_text="This rated item's share of the score.")


# A recommendation's own fields; the list endpoint adds its reason link (explanations.api). A comment, not a
# docstring: the schema would show it on the subclass.
class RecommendedItemSerializer(serializers.Serializer):
    item = ItemSerializer()
    score = serializers.FloatField()
    source = serializers.ChoiceField(["knn", "popular", "intent"])
    similarity = serializers.FloatField(allow_null=True, help_text="To the request, when there is one.")
    evidence = EvidenceSerializer(many=True, help_text="The user's own items that led to it, most first.")


class SimilarItemSerializer(serializers.Serializer):
    item = ItemSerializer()
    score = serializers.FloatField(help_text="Cosine similarity in the active model, 0 to 1.")


class SimilarItemsView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "id", int, OpenApiParameter.PATH, description="A unique integer value identifying this item."
            )
        ],
        responses=SimilarItemSerializer(many=True),
        operation_id="items_similar_list",
    )
    def get(self, request: Request, id: str) -> Response:
        """The item's nearest active neighbours in the active model, most similar first (at most 10)."""
        item = get_object_or_404(Item.objects.filter(is_active=True), pk=id)  # not a number: 404, like the router
        return Response(SimilarItemSerializer(similar_items(item=item, n=SIMILAR_ITEMS), many=True).data)


def query_dict(request: Request, *, lists: tuple[str, ...]) -> dict:
    """Query parameters as plain data, the repeatable ones as lists."""
    data = {key: request.query_params.get(key) for key in request.query_params if key not in lists}
    data.update({key: request.query_params.getlist(key) for key in lists if key in request.query_params})
    return data

"""The item page: the item and its tags, the signed-in user's rating and reactions (each with its undo), the
reason it is recommended to them, and its similar items in the active model.

The reason is fetched after the page loads by static/js/reasons.js from the explanations API (the app above
this one writes reasons), as on the home page: "Finding a reason…" while it is written, then the text. When
the user's last request in words (their conversation) showed this item, the reason is the one for that
request: the reason it was recommended with."""

from urllib.parse import urlencode

from django.urls import reverse
from django.views.generic import DetailView

from catalog.selectors import item_get_active
from feedback.models import RATING_VALUES, FeedbackEvent
from feedback.selectors import rating_value_for, reactions_for
from language.parsed import ParsedIntent
from recommendations.intents import ConversationError, conversation_get
from recommendations.models import Conversation
from recommendations.selectors import CONVERSATION_SESSION_KEY, similar_items

SIMILAR_ITEMS = 6
# The reactions the page offers: the button, and what the page says once it is given (with its undo).
REACTIONS = (
    (FeedbackEvent.Kind.LIKE, "Like", "You like it."),
    (FeedbackEvent.Kind.DISLIKE, "Dislike", "You dislike it: it is hidden from your recommendations."),
    (FeedbackEvent.Kind.NOT_INTERESTED, "Not interested", "Not interested: it is hidden from your recommendations."),
)


class ItemDetailView(DetailView):
    template_name = "recommendations/item_detail.html"
    context_object_name = "item"

    def get_object(self, queryset=None):
        return item_get_active(item_id=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        user, item = self.request.user, self.object
        user_rating = rating_value_for(user=user, item=item)
        reactions = reactions_for(user=user, item=item)
        return super().get_context_data(
            tags=[tag.strip() for tag in item.keywords.split(",") if tag.strip()],
            rating_values=RATING_VALUES,
            user_rating=user_rating,
            reactions=[
                {"kind": kind, "label": label, "done": done if kind in reactions else ""}
                for kind, label, done in REACTIONS
            ],
            # A rated or hidden item is never recommended to the user: no reason to show.
            reason=self._reason() if user_rating is None and not reactions & set(FeedbackEvent.HIDING) else None,
            similar=similar_items(item=item, n=SIMILAR_ITEMS),
            **kwargs,
        )

    def _reason(self) -> dict | None:
        """Where the script fetches the user's reason for this item, and the request it answers, if any."""
        if not self.request.user.is_authenticated:
            return None
        params = {"item": self.object.pk}
        conversation = self._recommended_in()
        if conversation is not None:
            params["conversation"] = str(conversation.pk)
        return {
            "url": f"{reverse('api:explanation')}?{urlencode(params)}",
            "asked": ParsedIntent.from_dict(conversation.intent).text if conversation is not None else "",
        }

    def _recommended_in(self) -> Conversation | None:
        """The user's conversation, when its list showed this item."""
        conversation_id = self.request.session.get(CONVERSATION_SESSION_KEY)
        if not conversation_id:
            return None
        try:
            conversation = conversation_get(user=self.request.user, conversation_id=conversation_id)
        except ConversationError:  # expired, or gone
            return None
        return conversation if self.object.pk in conversation.shown_item_ids else None

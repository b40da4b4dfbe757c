"""The home page: the user's recommendations (a visitor's: the popular and featured items), or the
answer to "What are you in the mood for?": what was understood as chips (each removable with one click),
the words not understood, and what was relaxed. The conversation lives in the session, so the next words
refine the list ("only older ones") unless the user starts a new search. Reasons load after the page
(static/js/reasons.js, from the explanations API)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.views.generic import TemplateView

from catalog.selectors import item_featured
from common.limits import client_key, limit_reached, too_many_requests
from explanations.api import explanation_url
from explanations.services import explanations_request_page
from language.parsed import ParsedIntent
from recommendations.api import MAX_INTENT
from recommendations.selectors import CONVERSATION_SESSION_KEY, recommendations_for_user
from recommendations.services.conversations import conversation_turn

HOME_ITEMS = 12
SESSION_KEY = CONVERSATION_SESSION_KEY  # the item page reads it too (the reason it was recommended with)


@dataclass(frozen=True)
class Chip:
    label: str
    negative: bool = False
    remove_url: str = ""  # the page without this constraint


def intent_chips(parsed: ParsedIntent | None) -> list[Chip]:
    """ "like Heat", "Sci-Fi", "1990s", "mentions: tom hanks", "not Horror": what a request was understood
    as, one chip per constraint, each with the link that reruns the list without it."""
    if parsed is None:
        return []
    chips = []
    for chip in parsed.chips():
        label = chip.label
        if chip.key == "years" and parsed.year_min is not None and parsed.year_max is not None:
            low, high = parsed.year_min, parsed.year_max
            label = f"{low}s" if low % 10 == 0 and high == low + 9 else label
        chips.append(Chip(label, negative=chip.negative, remove_url="?" + urlencode({"remove": chip.key})))
    return chips


class HomeView(TemplateView):
    template_name = "recommendations/home.html"

    def get(self, request, *args, **kwargs):
        """Requests in words cost an encoder call: RECSITE_SITE_INTENT_RATE per user or address, then 429."""
        asks = request.GET.get("q", "").strip() or request.GET.get("remove")
        if asks and limit_reached(request, group="site-intent", rate=settings.RECSITE_SITE_INTENT_RATE):
            return too_many_requests(request, what="requests in words")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        query = self.request.GET
        asked = query.get("q", "").strip()[:MAX_INTENT]
        remove = query.getlist("remove")[:20]
        session = self.request.session
        refining = bool(remove) or query.get("mode") != "new"
        conversation = session.get(SESSION_KEY) if refining and (asked or remove) else None
        user = self.request.user
        error = ""
        result = None
        if asked or conversation:
            try:
                result = conversation_turn(
                    user=user, text=asked or None, conversation_id=conversation, remove=remove, n=HOME_ITEMS
                )
            except ValueError as exc:  # an empty or overlong request, an expired conversation, a stale chip
                error = str(exc)
                session.pop(SESSION_KEY, None)
        if result is None:
            result = recommendations_for_user(user=user, n=HOME_ITEMS)
        else:
            session[SESSION_KEY] = result.conversation
        # The page's reasons, written together, within the user's (or address's) quota of new ones.
        explanations_request_page(recommendations=result, requester=client_key("reasons", self.request), user=user)
        parsed = result.intent
        return super().get_context_data(
            asked=parsed.text if parsed else "",
            conversation=result.conversation,
            error=error,
            chips=intent_chips(parsed),
            unmatched=list(parsed.unmatched) if parsed else [],
            relaxed=result.relaxed,
            recommendations=[
                {"item": r.item, "reason_url": explanation_url(r.item.pk, conversation=result.conversation)}
                for r in result
            ],
            featured=[] if parsed or user.is_authenticated else item_featured(),
            **kwargs,
        )

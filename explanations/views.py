"""The home page: the user's recommendations (a visitor's: the popular and featured items), or the
answer to "What are you in the mood for?" with what was understood shown as chips. Reasons load after
the page (static/js/reasons.js, from the explanations API)."""

from dataclasses import dataclass

from django.views.generic import TemplateView

from catalog.selectors import item_featured
from explanations.api import explanation_url
from explanations.services import explanations_request_page
from language.intent import ParsedIntent
from recommendations.api import MAX_INTENT
from recommendations.selectors import recommendations_for_user

HOME_ITEMS = 12


@dataclass(frozen=True)
class Chip:
    label: str
    negative: bool = False


def intent_chips(parsed: ParsedIntent | None) -> list[Chip]:
    """ "Sci-Fi", "1990s", "not Horror": what a request was understood as, one chip per constraint."""
    if parsed is None:
        return []
    chips = [Chip(name) for name in parsed.categories]
    low, high = parsed.year_min, parsed.year_max
    if low is not None and high is not None:
        decade = low % 10 == 0 and high == low + 9
        chips.append(Chip(f"{low}s" if decade else str(low) if low == high else f"{low}-{high}"))
    elif low is not None:
        chips.append(Chip(f"from {low}"))
    elif high is not None:
        chips.append(Chip(f"until {high}"))
    chips += [Chip(f"not {name}", negative=True) for name in parsed.excluded]
    return chips


class HomeView(TemplateView):
    template_name = "recommendations/home.html"

    def get_context_data(self, **kwargs):
        asked = self.request.GET.get("q", "").strip()[:MAX_INTENT]
        user = self.request.user
        error = ""
        try:
            result = recommendations_for_user(user=user, n=HOME_ITEMS, intent=asked or None)
        except ValueError as exc:
            error, asked = str(exc), ""
            result = recommendations_for_user(user=user, n=HOME_ITEMS)
        intent = asked or None
        explanations_request_page(recommendations=result)  # the page's reasons, written together
        return super().get_context_data(
            asked=asked,
            error=error,
            chips=intent_chips(result.intent),
            recommendations=[{"item": r.item, "reason_url": explanation_url(r.item.pk, intent)} for r in result],
            featured=[] if asked or user.is_authenticated else item_featured(),
            **kwargs,
        )

"""Site forms for ratings and reactions: thin callers of feedback.services (POST only, CSRF-protected,
signed-in users), each answered with a redirect back (to a same-site `next`, else the item page) and a
message. A bad value or kind answers 400 with the field messages and writes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from catalog.domain import catalogue_domain
from catalog.models import Item
from feedback.models import FeedbackEvent
from feedback.selectors import explanation_find, rating_list_for
from feedback.services import feedback_record, feedback_undo, rating_delete, rating_upsert


class MyRatingsView(LoginRequiredMixin, ListView):
    """The signed-in user's ratings, newest first, each with a way to change or remove it."""

    template_name = "feedback/my_ratings.html"
    context_object_name = "ratings"
    paginate_by = 50

    def get_queryset(self):
        return rating_list_for(user=self.request.user)

    def paginate_queryset(self, queryset, page_size):
        """A page past the end (the last rating of the last page was just removed) shows the last page."""
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=self.get_allow_empty())
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


@login_required
@require_POST
def item_rate(request, pk: int):
    item = get_object_or_404(Item.objects.active(), pk=pk)
    try:
        rating, _ = rating_upsert(user=request.user, item=item, value=request.POST.get("value", ""))
    except ValidationError as exc:
        return _invalid(request, item, exc)
    messages.success(request, f"You rated {_title(item)} {rating.value}.")
    return _back(request, item)


@login_required
@require_POST
def item_rating_delete(request, pk: int):
    item = get_object_or_404(Item.objects.active(), pk=pk)
    if rating_delete(user=request.user, item=item):
        messages.success(request, f"Your rating of {_title(item)} is removed.")
    return _back(request, item)


@login_required
@require_POST
def item_feedback(request, pk: int):
    item = get_object_or_404(Item.objects.active(), pk=pk)
    explanation = None
    if explanation_id := request.POST.get("explanation", "").strip():
        explanation = explanation_find(explanation_id=int(explanation_id)) if explanation_id.isdigit() else None
        if explanation is None:
            return _invalid(request, item, ValidationError({"explanation": [f"No reason {explanation_id!r}."]}))
    try:
        event = feedback_record(
            user=request.user, item=item, kind=request.POST.get("kind", ""), explanation=explanation
        )
    except ValidationError as exc:
        return _invalid(request, item, exc)
    back = _back(request, item)
    noted = f"Thanks: noted {event.get_kind_display()} for {_title(item)}."
    if event.kind in FeedbackEvent.HIDING and back.url != item.get_absolute_url():
        # Away from the item page, the way back is a link to it: its page has the undo button.
        noted = format_html('{} It is hidden from your recommendations. <a href="{}">Undo</a>', noted, _undo_link(item))
    messages.success(request, noted)
    return back


@login_required
@require_POST
def item_feedback_undo(request, pk: int):
    item = get_object_or_404(Item.objects.active(), pk=pk)
    kind = request.POST.get("kind", "")
    try:
        undone = feedback_undo(user=request.user, item=item, kind=kind)
    except ValidationError as exc:
        return _invalid(request, item, exc)
    if undone:
        label = FeedbackEvent.Kind(kind).label
        again = " It can be recommended to you again." if kind in FeedbackEvent.HIDING else ""
        messages.success(request, f"Undone: {label} for {_title(item)}.{again}")
    return _back(request, item)


def _title(item: Item) -> str:
    """The title as the pages show it, in reading order ("The Shawshank Redemption")."""
    return catalogue_domain().natural_title(item.title)


def _undo_link(item: Item) -> str:
    """The item page, at its reactions (where the undo buttons are)."""
    return f"{item.get_absolute_url()}#your-opinion"


def _back(request, item: Item):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(item)


def _invalid(request, item: Item, error: ValidationError):
    context = {"item": item, "errors": error.message_dict}
    return render(request, "feedback/invalid.html", context, status=400)

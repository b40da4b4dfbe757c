"""Site forms for ratings and reactions: thin callers of feedback.services (POST only, CSRF-protected,
signed-in users). A bad value or kind answers 400 with the field messages and writes nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from catalog.models import Item
from feedback.selectors import explanation_find, rating_list_for
from feedback.services import feedback_record, rating_delete, rating_upsert


class MyRatingsView(LoginRequiredMixin, ListView):
    """The signed-in user's ratings, newest first, each with a way to change or remove it."""

    template_name = "feedback/my_ratings.html"
    context_object_name = "ratings"
    paginate_by = 50

    def get_queryset(self):
        return rating_list_for(user=self.request.user)


@login_required
@require_POST
def item_rate(request, pk: int):
    item = get_object_or_404(Item.objects.active(), pk=pk)
    try:
        rating, _ = rating_upsert(user=request.user, item=item, value=request.POST.get("value", ""))
    except ValidationError as exc:
        return _invalid(request, item, exc)
    messages.success(request, f"You rated {item.title} {rating.value}.")
    return _back(request, item)


@login_required
@require_POST
def item_rating_delete(request, pk: int):
    item = get_object_or_404(Item.objects.active(), pk=pk)
    if rating_delete(user=request.user, item=item):
        messages.success(request, f"Your rating of {item.title} is removed.")
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
    messages.success(request, f"Thanks: noted {event.get_kind_display()} for {item.title}.")
    return _back(request, item)


def _back(request, item: Item):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(item)


def _invalid(request, item: Item, error: ValidationError):
    context = {"item": item, "errors": error.message_dict}
    return render(request, "feedback/invalid.html", context, status=400)

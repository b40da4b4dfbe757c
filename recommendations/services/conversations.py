"""Conversations: a request in words, then follow-ups that refine it ("only older ones", "no sequels",
"more like the second one"), and chips taken off one at a time. Each turn stores what the list is for
now and what it showed, so the next turn starts from there."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace

from django.db import transaction
from django.utils import timezone

from catalog.domain import catalogue_domain
from catalog.models import Category, Item
from language.conversation import refine
from language.parsed import Anchor, ParsedIntent
from recommendations.intents import CONVERSATION_TTL, ConversationError, chip_key_named, conversation_get
from recommendations.models import Conversation
from recommendations.selectors import RecommendationList, intent_parse, recommendations_for_user
from recommendations.serving import shared_encode

CONVERSATIONS_PER_USER = 20  # a user's newest; older ones go when a new one starts
PRUNED_PER_TURN = 200  # expired conversations deleted by each new one, so the table never grows unbounded


def conversation_turn(
    *,
    user,
    text: str | None = None,
    conversation_id: uuid.UUID | str | None = None,
    remove: Sequence[str] = (),
    n: int = 10,
    categories: Iterable[str | Category] | None = None,
    algorithm: str | None = None,
) -> RecommendationList:
    """One turn: `text` starts a conversation, or refines `conversation_id`'s; with no text the
    conversation's request is shown again; each of `remove` (chip keys: "category:comedy", "years",
    "anchor:42", ...) is taken off first. Returns the list, with `.conversation` set to the id to send
    next time. ValueError for an empty or overlong request, ConversationError for an unknown
    conversation or chip (nothing is written then)."""
    conversation = conversation_get(user=user, conversation_id=conversation_id) if conversation_id else None
    if conversation is None and not text:
        raise ConversationError("intent", "a request in words is needed to start a conversation")
    if conversation is None:
        parsed = intent_parse(text)
    else:
        previous = ParsedIntent.from_dict(conversation.intent)
        parsed = previous if not text else _refined(previous, intent_parse(text), conversation.shown_item_ids)
    for key in remove:
        try:
            parsed = parsed.without(chip_key_named(key))
        except KeyError:
            raise ConversationError("remove", f"{key!r} is not one of the request's chips") from None
    parsed = _with_vector(parsed)
    result = recommendations_for_user(user=user, n=n, categories=categories, intent=parsed, algorithm=algorithm)
    shown = [r.item.pk for r in result]
    owner = user if user is not None and user.is_authenticated else None
    with transaction.atomic():
        if conversation is None:
            conversation = Conversation.objects.create(user=owner, intent=parsed.as_dict(), shown_item_ids=shown)
            _conversations_prune(owner)
        else:
            conversation.intent, conversation.shown_item_ids = parsed.as_dict(), shown
            conversation.turns += 1
            conversation.save(update_fields=["intent", "shown_item_ids", "turns", "updated"])
    result.conversation = str(conversation.pk)
    return result


def _refined(previous: ParsedIntent, turn: ParsedIntent, shown_ids: list[int]) -> ParsedIntent:
    """The follow-up applied, its references ("the second one") resolved against the list shown last."""
    shown = {
        pk: (title, year)
        for pk, title, year in Item.objects.filter(pk__in=shown_ids).values_list("pk", "title", "year")
    }
    natural = catalogue_domain().natural_title
    referenced = []
    for position in turn.references:
        index = position - 1 if position > 0 else len(shown_ids) + position
        if 0 <= index < len(shown_ids) and shown_ids[index] in shown:
            title, year = shown[shown_ids[index]]
            referenced.append(Anchor(item_id=shown_ids[index], title=title, year=year, label=natural(title)))
    years = [year for pk in shown_ids if pk in shown and (year := shown[pk][1])]
    return refine(previous, turn, referenced=referenced, shown_years=years)


def _with_vector(parsed: ParsedIntent) -> ParsedIntent:
    if parsed.vector is not None:
        return parsed
    words = parsed.residual or " ".join(parsed.categories) or parsed.text
    return replace(parsed, vector=shared_encode([words])[0])  # encoded once, across processes


def _conversations_prune(owner) -> None:
    expired = Conversation.objects.filter(updated__lt=timezone.now() - CONVERSATION_TTL)
    doomed = list(expired.order_by().values_list("pk", flat=True)[:PRUNED_PER_TURN])
    if owner is not None:
        doomed += list(
            Conversation.objects.filter(user=owner)
            .order_by("-updated")
            .values_list("pk", flat=True)[CONVERSATIONS_PER_USER : CONVERSATIONS_PER_USER + PRUNED_PER_TURN]
        )
    if doomed:
        Conversation.objects.filter(pk__in=doomed).delete()

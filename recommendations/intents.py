"""Reads about requests in words: conversations, what a reason may claim an item fits, and the `intent`
the API and the recommend command show. The parser and the request itself speak in category names (the
domain's words); what leaves through the API speaks in the slugs the filters take, with the names beside."""

import re
import uuid
from datetime import timedelta

from django.utils import timezone

from catalog.models import Category, Item
from catalog.selectors import whole_words_pattern
from language.parsed import ParsedIntent
from recommendations.models import Conversation
from recommendations.selectors import RecommendationList

CONVERSATION_TTL = timedelta(days=1)  # untouched this long, a conversation is gone
NAMED_CHIPS = ("category", "excluded")  # chip kinds whose value is a category


class ConversationError(ValueError):
    """A conversation id that names none of this user's conversations, or a chip the request lacks."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def conversation_get(*, user, conversation_id) -> Conversation:
    """The user's conversation (or an anonymous one) touched within CONVERSATION_TTL; ConversationError
    for any other id."""
    owner = user.pk if user is not None and user.is_authenticated else None
    fresh = Conversation.objects.filter(updated__gte=timezone.now() - CONVERSATION_TTL)
    try:
        found = fresh.filter(pk=uuid.UUID(str(conversation_id))).first()
    except ValueError:  # not a UUID
        found = None
    if found is None or found.user_id not in (None, owner):
        raise ConversationError("conversation", "no such conversation (it may have expired): start a new one")
    return found


def conversation_intent(*, user, conversation_id) -> ParsedIntent:
    """What the conversation's list is for now (ConversationError for an unknown conversation)."""
    return ParsedIntent.from_dict(conversation_get(user=user, conversation_id=conversation_id).intent)


def request_summary(parsed: ParsedIntent | None, item: Item) -> str:
    """What a reason may say `item` fits of the request: the summary of the constraints it meets (its
    categories, years, the words its title, keywords or description mention), "" without a request."""
    if parsed is None:
        return ""
    text = f"{item.title}\n{item.keywords}\n{item.description}"
    return parsed.met_by(
        categories={category.name for category in item.categories.all()},
        year=item.year,
        mentions=lambda phrase: re.search(whole_words_pattern(phrase), text, flags=re.IGNORECASE) is not None,
    ).describe()


def intent_fields(result: RecommendationList) -> dict | None:
    """What a list's request was understood as, with what was relaxed and its conversation, in the request's
    own words (category names): the `intent` the recommend command shows."""
    if result.intent is None:
        return None
    return {**result.intent.as_dict(), "relaxed": list(result.relaxed), "conversation": result.conversation}


def intent_api_fields(result: RecommendationList) -> dict | None:
    """The `intent` the API answers with: categories (and the chips that remove them) are slugs, as the
    `category` filters and items' own categories are; `category_names` gives each slug's display name."""
    fields = intent_fields(result)
    if fields is None:
        return None
    named = [*fields["categories"], *fields["excluded"]]
    slugs = dict(Category.objects.filter(name__in=named).values_list("name", "slug"))
    for chip in fields["chips"]:
        kind, _, name = chip["key"].partition(":")
        if kind in NAMED_CHIPS and name in slugs:
            chip["key"] = f"{kind}:{slugs[name]}"
    return {
        **fields,
        "categories": [slugs.get(name, name) for name in fields["categories"]],
        "excluded": [slugs.get(name, name) for name in fields["excluded"]],
        "category_names": {slugs.get(name, name): name for name in named},
    }


def chip_key_named(key: str) -> str:
    """A chip key as the request knows it: "category:sci-fi" (as the API gives it) is "category:Sci-Fi"; a
    key already naming a category (as the site's chips do), or any other kind of chip, is returned as is.
    Slugs are matched case-insensitively, so "category:Sci-Fi" typed by hand still names the category."""
    kind, _, value = key.partition(":")
    if kind not in NAMED_CHIPS:
        return key
    name = Category.objects.filter(slug__iexact=value).values_list("name", flat=True).first()
    return key if name is None else f"{kind}:{name}"

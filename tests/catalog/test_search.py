"""What items mention, found by PostgreSQL full-text search: kept current by the trigger on every write."""

import pytest

from catalog.models import Item
from catalog.selectors import items_mentioning, keyword_fields
from catalog.services import item_set_flags, item_update
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def test_words_are_found_in_keywords_title_and_description_and_say_where():
    ItemFactory(title="The Shining", keywords="Stephen King, hotel, snow", description="")
    ItemFactory(title="Big", keywords="Tom Hanks", description="A boy wakes up in New York as a grown man.")

    found = keyword_fields(["stephen king", "shining", "new york", "tom hanks", "boy waking", "flurbish", "the"])

    assert found == {
        "stephen king": "keywords",
        "shining": "title",
        "new york": "description",
        "tom hanks": "keywords",
        "boy waking": "description",  # stemmed: "waking" and "wakes" are one word to the search
    }


def test_the_search_follows_edits_and_leaves_out_inactive_items():
    item = ItemFactory(title="Film", keywords="sequel")
    assert keyword_fields(["sequels"]) == {"sequels": "keywords"}

    item_update(item=item, keywords="remake")
    assert keyword_fields(["sequels", "remake"]) == {"remake": "keywords"}

    item_set_flags(items=Item.objects.filter(pk=item.pk), is_active=False)
    assert keyword_fields(["remake"]) == {}


def test_words_in_a_phrase_must_come_in_order():
    ItemFactory(keywords="king of the hill, stephen fry")
    assert keyword_fields(["stephen king"]) == {}


def test_items_mentioning_a_phrase():
    shining, carrie = ItemFactory(keywords="Stephen King"), ItemFactory(description="From a Stephen King novel.")
    ItemFactory(keywords="Tom Hanks")

    assert sorted(items_mentioning("stephen king")) == sorted([shining.pk, carrie.pk])
    assert len(items_mentioning("stephen king", limit=1)) == 1

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from feedback.models import Rating
from feedback.services import UpsertCounts, rating_bulk_upsert
from tests.factories import ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def upsert(rows):
    users, items, values, stamps = zip(*rows, strict=True)
    return rating_bulk_upsert(
        user_ids=np.array(users), item_ids=np.array(items), values=np.array(values), timestamps=np.array(stamps)
    )


def test_creates_updates_and_leaves_unchanged_rows_alone():
    alice, bob = UserFactory(), UserFactory()
    heat, alien = ItemFactory(), ItemFactory()
    same = RatingFactory(user=alice, item=heat, value=Decimal("4.0"), created=datetime.fromtimestamp(100, UTC))
    changed = RatingFactory(user=bob, item=heat, value=Decimal("1.0"))
    untouched_since = Rating.objects.get(pk=same.pk).updated

    counts = upsert([(alice.pk, heat.pk, 4.0, 100), (bob.pk, heat.pk, 4.5, 200), (bob.pk, alien.pk, 0.5, -1)])

    assert counts == UpsertCounts(created=1, updated=1, unchanged=1)
    assert Rating.objects.get(pk=same.pk).updated == untouched_since
    changed.refresh_from_db()
    assert changed.value == Decimal("4.5")
    assert changed.created == datetime.fromtimestamp(200, UTC)
    assert Rating.objects.get(user=bob, item=alien).value == Decimal("0.5")


def test_unknown_timestamp_keeps_an_existing_ratings_time():
    rating = RatingFactory(value=Decimal("2.0"), created=datetime.fromtimestamp(5, UTC))

    upsert([(rating.user_id, rating.item_id, 3.0, -1)])

    rating.refresh_from_db()
    assert (rating.value, rating.created) == (Decimal("3.0"), datetime.fromtimestamp(5, UTC))


def test_many_users_are_written_in_chunks(monkeypatch):
    monkeypatch.setattr("feedback.services.USERS_PER_CHUNK", 2)
    users = UserFactory.create_batch(5)
    item = ItemFactory()

    counts = upsert([(user.pk, item.pk, 3.5, 1) for user in users])

    assert counts.created == 5
    assert Rating.objects.filter(item=item).count() == 5

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from feedback.models import Rating
from tests.factories import ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["0.5", "1.0", "3.5", "5.0"])
def test_half_star_values_are_valid(value):
    rating = RatingFactory.build(user=UserFactory(), item=ItemFactory(), value=Decimal(value))
    rating.full_clean()


@pytest.mark.parametrize("value", ["0.0", "0.3", "4.8", "5.5", "-1.0"])
def test_values_off_the_half_star_grid_fail_validation(value):
    rating = RatingFactory.build(user=UserFactory(), item=ItemFactory(), value=Decimal(value))
    with pytest.raises(ValidationError) as raised:
        rating.full_clean()
    assert "value" in raised.value.message_dict


@pytest.mark.parametrize("value", ["0.0", "4.8", "5.5", "7.5"])
def test_the_database_refuses_values_off_the_grid(value):
    user, item = UserFactory(), ItemFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=user, item=item, value=Decimal(value))
    assert not Rating.objects.exists()


def test_one_rating_per_user_and_item():
    rating = RatingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(user=rating.user, item=rating.item, value=Decimal("2.0"))
    assert Rating.objects.count() == 1

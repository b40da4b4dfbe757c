from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from feedback.models import Rating
from tests.factories import ItemFactory, RatingFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_rate_rates_changes_and_deletes():
    user, item = UserFactory(username="rater"), ItemFactory()
    out = StringIO()

    call_command("rate", "--user", "rater", "--item", str(item.pk), "--value", "4.5", stdout=out)
    call_command("rate", "--user", str(user.pk), "--item", str(item.pk), "--value", "2", stdout=out)
    assert Rating.objects.get().value == 2
    call_command("rate", "--user", "rater", "--item", str(item.pk), "--delete", stdout=out)

    assert out.getvalue().splitlines()[0].startswith("rated: rater rated")
    assert out.getvalue().splitlines()[1].startswith("changed:")
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--user", "rater", "--item", "{item}", "--value", "4.2"], "value: 4.2 is not a rating"),
        (["--user", "nobody", "--item", "{item}", "--value", "4"], "no user 'nobody'"),
        (["--user", "rater", "--item", "999999", "--value", "4"], "no item 999999"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(args, message):
    UserFactory(username="rater")
    item = ItemFactory()
    existing = RatingFactory(item=item)

    with pytest.raises(CommandError, match=message):
        call_command("rate", *[arg.format(item=item.pk) for arg in args])

    assert list(Rating.objects.all()) == [existing]

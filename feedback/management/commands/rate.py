from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.commands import user_lookup
from catalog.models import Item
from feedback.services import rating_delete, rating_upsert


class Command(BaseCommand):
    help = "Rate an item as a user (0.5 to 5.0 in half steps), or remove the rating, as the site would."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="user id or username")
        parser.add_argument("--item", type=int, required=True, help="item id")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--value", help="the rating, e.g. 4.5")
        action.add_argument("--delete", action="store_true", help="remove the user's rating of the item")

    def handle(self, *args, user: str, item: int, value: str | None, delete: bool, **options):
        rater = user_lookup(user)
        found = Item.objects.filter(pk=item).first()
        if found is None:
            raise CommandError(f"no item {item}")
        if delete:
            removed = rating_delete(user=rater, item=found)
            self.stdout.write(f"removed {rater}'s rating of {found}" if removed else "there was no such rating")
            return
        try:
            rating, created = rating_upsert(user=rater, item=found, value=value)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(m)}" for field, m in exc.message_dict.items())) from None
        self.stdout.write(f"{'rated' if created else 'changed'}: {rating}")

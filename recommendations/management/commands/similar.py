import json

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Item
from recommendations.selectors import similar_items


class Command(BaseCommand):
    help = "Print an item's most similar items in the active model version."

    def add_arguments(self, parser):
        parser.add_argument("--item", type=int, required=True, help="item id")
        parser.add_argument("--n", type=int, default=10)
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")

    def handle(self, *args, item: int, n: int, as_json: bool, **options):
        if not 1 <= n <= 500:
            raise CommandError(f"--n must be between 1 and 500, not {n}")
        found = Item.objects.filter(pk=item).first()
        if found is None:
            raise CommandError(f"no item {item}")
        rows = [
            {"item_id": s.item.pk, "title": s.item.title, "year": s.item.year, "score": round(s.score, 6)}
            for s in similar_items(item=found, n=n)
        ]
        if as_json:
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"Similar to {found}:")
        for rank, row in enumerate(rows, start=1):
            year = f" ({row['year']})" if row["year"] else ""
            self.stdout.write(f"{rank:>3}. {row['title']}{year}  {row['score']:.3f}")

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from recommendations.services.embeddings import item_embeddings_refresh


class Command(BaseCommand):
    help = "Embed items whose text is new or changed, with the sentence encoder (RECSITE_ENCODER_PATH)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=128)

    def handle(self, *args, batch_size: int, **options):
        with tqdm(desc="embedding items", unit=" items", disable=not sys.stderr.isatty(), leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            embedded, unchanged = item_embeddings_refresh(batch_size=max(1, batch_size), on_progress=progress)
        self.stdout.write(f"Embedded {embedded} items ({unchanged} unchanged)")

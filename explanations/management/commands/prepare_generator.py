import time

from django.core.management.base import BaseCommand, CommandError

from datasets.progress import Progress
from explanations.generation import generator, generator_name
from language.generator import GeneratorError


class Command(BaseCommand):
    help = (
        "Fetch and prepare the reason generator now (the default: SmolLM2 fetched by pinned hash and converted "
        "once to float32 under var/models/), so that no worker or request waits on it later."
    )

    def handle(self, *args, **options):
        self.stdout.write(
            f"Preparing the reason generator {generator_name()} "
            "(the first time: a 100 MB download and a conversion of about 30 s)...",
        )
        self.stdout.flush()
        started = time.monotonic()
        # A line every 5 s while it runs (the download and the conversion are single long calls).
        progress = Progress(say=lambda line: (self.stdout.write(line), self.stdout.flush()))
        try:
            with progress.timed("Fetching and converting the model"):
                model = generator()
        except GeneratorError as exc:
            raise CommandError(f"the reason generator could not be prepared: {exc}") from exc
        device = getattr(model, "device", "its server")
        self.stdout.write(f"Reason generator {model.name} ready on {device} in {time.monotonic() - started:.1f} s")

import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from kombu.exceptions import KombuError

from datasets.progress import Progress
from recommendations.models import ItemEmbedding, ItemToEmbed
from recommendations.services.embeddings import (
    item_embeddings_embed_marked,
    item_embeddings_plan,
    item_embeddings_request,
    vector_index_build,
    vector_index_build_due,
)
from recommendations.serving import encoder

STALLED_SECONDS = 300  # following a worker: give up when no marked item was taken for this long


class Command(BaseCommand):
    help = (
        "Embed items whose text is new or changed, with the sentence encoder: on a worker of the `llm` queue "
        "when one is listening (the GPU host), else here. Progress lines go to stderr, terminal or not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=128)
        parser.add_argument("--here", action="store_true", help="embed in this process even if a worker listens")

    def handle(self, *args, batch_size: int, here: bool, **options):
        progress = Progress(say=lambda line: self.stderr.write(line))
        started = timezone.now()
        with progress.timed("comparing every item's text with what its vector was made of"):
            marked, unchanged = item_embeddings_plan()
        total = ItemToEmbed.objects.count()  # with any marked before
        progress.say(f"{marked:,} items to embed ({total:,} marked in all), {unchanged:,} unchanged")
        workers = [] if here or not total else _llm_workers()
        if workers:
            progress.say(f"embedding on {', '.join(workers)} (the llm queue)")
            item_embeddings_request(countdown=0)
            self._follow(total, progress)
            embedded = ItemEmbedding.objects.filter(model_name=encoder().name, updated__gte=started).count()
        else:
            counter = progress.counter("embedding items", unit="items")
            result = item_embeddings_embed_marked(
                batch_size=max(1, batch_size), on_progress=lambda done: counter.advance(done - counter.count)
            )
            counter.done()
            embedded = result.embedded
            if vector_index_build_due(model_name=encoder().name):
                with progress.timed("building the approximate-search graph"):
                    vector_index_build(model_name=encoder().name)
        self.stdout.write(f"Embedded {embedded} items ({unchanged} unchanged)")

    def _follow(self, total: int, progress: Progress) -> None:
        """Say how many of the marked items the worker has taken, until none is left."""
        counter = progress.counter("embedding items on the worker", unit="items")
        moved = time.monotonic()
        while left := ItemToEmbed.objects.count():
            done = max(total - left, counter.count)
            if done > counter.count:
                counter.advance(done - counter.count)
                moved = time.monotonic()
            elif time.monotonic() - moved > STALLED_SECONDS:
                raise CommandError(
                    f"no item taken for {STALLED_SECONDS} s; {left:,} stay marked for the llm workers "
                    "(the periodic sweep asks again), or run embed_items --here"
                )
            time.sleep(1)
        counter.advance(max(total - counter.count, 0))
        counter.done()


def _llm_workers() -> list[str]:
    """The workers consuming the `llm` queue now (asked through the broker, for a second); none without one."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    try:
        queues = current_app.control.inspect(timeout=1.0).active_queues() or {}
    except (KombuError, OSError):
        return []
    return sorted(name for name, consumed in queues.items() if any(queue["name"] == "llm" for queue in consumed))

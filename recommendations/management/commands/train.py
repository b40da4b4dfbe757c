import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommendations.management.commands._options import add_param_arguments, params_from
from recommendations.services import NothingToTrainError, model_train


class Command(BaseCommand):
    help = "Train the item-kNN model on all ratings and make it the active version."

    def add_arguments(self, parser):
        add_param_arguments(parser)

    def handle(self, *args, **options):
        params = params_from(options)
        with tqdm(desc="item neighbours", unit=" items", disable=not sys.stderr.isatty(), leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            try:
                version = model_train(params=params, on_progress=progress)
            except NothingToTrainError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Model version {version.pk} active: {version.n_users} users, {version.n_items} items, "
            f"{version.n_ratings} ratings, {version.n_neighbors} neighbour pairs (k={params.k}) "
            f"in {version.metrics['total_seconds']:.1f} s"
        )

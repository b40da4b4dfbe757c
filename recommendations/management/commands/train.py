import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommendations.management.commands._options import add_param_arguments, params_from
from recommendations.models import ModelVersion, TrainingRun
from recommendations.services.training import NothingToTrainError, model_train, training_run_start


class Command(BaseCommand):
    help = "Train the item-kNN model on all ratings and make it the active version."

    def add_arguments(self, parser):
        add_param_arguments(parser)
        parser.add_argument(
            "--blocks",
            type=int,
            default=1,
            help="split the fit into this many item ranges, run as a Celery chord on the `default` workers "
            "(default 1: fit here, in this process)",
        )

    def handle(self, *args, **options):
        params = params_from(options)
        if options["blocks"] < 1:
            raise CommandError(f"--blocks must be at least 1, not {options['blocks']}")
        try:
            if options["blocks"] > 1:
                self._start_run(params, options["blocks"])
                return
            with tqdm(desc="item neighbours", unit=" items", disable=not sys.stderr.isatty(), leave=False) as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                version = model_train(params=params, on_progress=progress)
        except NothingToTrainError as exc:
            raise CommandError(str(exc)) from exc
        self._report(version, f"in {version.metrics['total_seconds']:.1f} s")

    def _start_run(self, params, blocks: int) -> None:
        run = training_run_start(blocks=blocks, params=params)
        run.refresh_from_db()  # with eager tasks (no broker) the chord has already run
        if run.status == TrainingRun.Status.DONE:
            self._report(run.version, f"from {run.blocks} blocks")
        elif run.status == TrainingRun.Status.FAILED:
            raise CommandError(f"training run {run.pk} failed: {run.error}")
        else:
            self.stdout.write(
                f"Training run {run.pk} started: {run.blocks} item ranges queued on the default workers; "
                "the new version becomes active when the last one is done."
            )

    def _report(self, version: ModelVersion, how: str) -> None:
        self.stdout.write(
            f"Model version {version.pk} active: {version.n_users} users, {version.n_items} items, "
            f"{version.n_ratings} ratings, {version.n_neighbors} neighbour pairs (k={version.params['k']}) {how}"
        )

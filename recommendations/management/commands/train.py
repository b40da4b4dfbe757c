import dataclasses

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from datasets.progress import Progress
from recengine.recommender import params_for, recommender_class
from recommendations.management.commands._options import add_algorithm_arguments, algorithm_and_params
from recommendations.models import ModelVersion, TrainingRun
from recommendations.services.training import NothingToTrainError, model_train, training_run_start


class Command(BaseCommand):
    help = "Train a recommender (RECSITE_ALGORITHM, or --algorithm) on all ratings and make it the active version."

    def add_arguments(self, parser):
        add_algorithm_arguments(parser, default=None)
        parser.add_argument(
            "--blocks",
            type=int,
            default=1,
            help="split the fit into this many item ranges, run as a Celery chord on the `default` workers "
            "(default 1: fit here, in this process)",
        )

    def handle(self, *args, **options):
        algorithm, params = algorithm_and_params(options, fallback=settings.RECSITE_ALGORITHM)
        if options["blocks"] < 1:
            raise CommandError(f"--blocks must be at least 1, not {options['blocks']}")
        try:
            if options["blocks"] > 1:
                self._start_run(algorithm.name, params, options["blocks"])
                return
            # Lines on stderr, terminal or not, once the fit has run a few seconds (datasets/progress.py).
            lines = Progress(after=5.0, say=self.stderr.write)
            counter = lines.counter(f"{algorithm.name} fit", unit="items")

            def progress(done: int, total: int) -> None:
                counter.total = total
                counter.advance(done - counter.count)

            with lines.timed(f"training {algorithm.name}"):
                version = model_train(algorithm=algorithm.name, params=params, on_progress=progress)
        except NothingToTrainError as exc:
            raise CommandError(str(exc)) from exc
        self._report(version, f"in {version.metrics['total_seconds']:.1f} s")

    def _start_run(self, algorithm: str, params, blocks: int) -> None:
        try:
            run = training_run_start(blocks=blocks, algorithm=algorithm, params=params)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
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
        algorithm = recommender_class(version.algorithm)
        params, defaults = params_for(algorithm, version.params), algorithm.Params()
        changed = ", ".join(
            f"{field.name}={getattr(params, field.name)}"
            for field in dataclasses.fields(params)
            if getattr(params, field.name) != getattr(defaults, field.name)
        )
        self.stdout.write(
            f"Model version {version.pk} active: {version.n_users} users, {version.n_items} items, "
            f"{version.n_ratings} ratings, {version.n_neighbors} neighbour pairs, "
            f"{version.algorithm} ({changed or 'default parameters'}) {how}"
        )

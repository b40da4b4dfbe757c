import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets.importers import DatasetError, read_dataset
from recengine.evaluation import evaluate
from recengine.split import PROTOCOLS
from recommendations.management.commands._options import add_algorithm_arguments, algorithm_and_params


class Command(BaseCommand):
    help = (
        "Offline evaluation on a MovieLens directory (no database): split, fit, rank every unrated item, "
        "and report the algorithm against the popularity baseline. Protocols: docs/EVALUATION.md."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="a directory import_movielens reads")
        parser.add_argument("--protocol", default="random-80-20", help=" or ".join(PROTOCOLS))
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--k", type=int, default=10, help="cut-off of the metrics (default 10)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON")
        add_algorithm_arguments(parser, default=None)

    def handle(self, *args, data: str, protocol: str, seed: int, k: int, as_json: bool, **options):
        if protocol not in PROTOCOLS:
            raise CommandError(f"unknown protocol {protocol!r}: use {' or '.join(PROTOCOLS)}")
        if k < 1:
            raise CommandError(f"--k must be at least 1, not {k}")
        algorithm, params = algorithm_and_params(options, fallback=settings.RECSITE_ALGORITHM)
        try:
            ratings = read_dataset(Path(data)).ratings
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if len(ratings) == 0:
            raise CommandError(f"{data}: holds no ratings to evaluate on")
        result = evaluate(
            ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps,
            protocol=protocol, seed=seed, k=k, algorithm=algorithm, params=params,
        )  # fmt: skip
        if as_json:
            self.stdout.write(json.dumps(result, indent=2))
            return
        names = [name for name in result["knn"] if name != "users"]
        self.stdout.write(
            f"{protocol}, seed {seed}: {result['ratings']['train']} training / {result['ratings']['test']} "
            f"held-out ratings, {result['knn']['users']} users; fit {result['fit_seconds']:.2f} s"
        )
        self.stdout.write(f"{'':<12}" + "".join(f"{name:>14}" for name in names))
        for model, label in (("knn", algorithm.name), ("popularity", "popularity")):
            self.stdout.write(f"{label:<12}" + "".join(f"{result[model][name]:>14.4f}" for name in names))

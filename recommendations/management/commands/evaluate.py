import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datasets.importers import DatasetError, read_dataset
from recengine.evaluation import LIKE_THRESHOLD, POPULARITY_PRIOR, RELEVANCE, evaluate
from recengine.recommender import RECOMMENDERS
from recengine.split import PROTOCOLS
from recommendations.management.commands._options import add_algorithm_arguments, algorithm_and_params

ALL = "all"


def _choices(values) -> str:
    return " or ".join(values)


class Command(BaseCommand):
    help = (
        "Offline evaluation on a MovieLens directory (no database): split, fit, rank every unrated item, "
        "and report the algorithm(s) against the popularity baseline in one table. Protocols, relevance "
        "and metrics: docs/EVALUATION.md."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="a directory import_movielens reads")
        parser.add_argument("--protocol", default="random-80-20", help=f"{_choices(PROTOCOLS)} (default random-80-20)")
        parser.add_argument(
            "--relevance",
            default="liked",
            help="liked (held-out ratings at or above RECSITE_LIKE_THRESHOLD) or all held-out ratings (default liked)",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--k", type=int, default=10, help="cut-off of the metrics (default 10)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON: one object per algorithm")
        add_algorithm_arguments(parser, default=None, extra_names=(ALL,))

    def handle(self, *args, data: str, protocol: str, relevance: str, seed: int, k: int, as_json: bool, **options):
        if protocol not in PROTOCOLS:
            raise CommandError(f"unknown protocol {protocol!r}: use {_choices(PROTOCOLS)}")
        if relevance not in RELEVANCE:
            raise CommandError(f"unknown relevance {relevance!r}: use {_choices(RELEVANCE)}")
        if k < 1:
            raise CommandError(f"--k must be at least 1, not {k}")
        names = sorted(RECOMMENDERS) if options["algorithm"] == ALL else [options["algorithm"]]
        algorithms = [
            algorithm_and_params({**options, "algorithm": name}, fallback=settings.RECSITE_ALGORITHM) for name in names
        ]
        like_threshold = getattr(settings, "RECSITE_LIKE_THRESHOLD", LIKE_THRESHOLD)
        prior = options.get("param_popularity_prior")
        try:
            ratings = read_dataset(Path(data)).ratings
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if len(ratings) == 0:
            raise CommandError(f"{data}: holds no ratings to evaluate on")
        results = evaluate(
            ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps,
            protocol=protocol, seed=seed, k=k, algorithms=algorithms, relevance=relevance,
            like_threshold=like_threshold, popularity_prior=POPULARITY_PRIOR if prior is None else prior,
        )  # fmt: skip
        if as_json:
            self.stdout.write(json.dumps(results, indent=2))
            return
        self._table(results, k=k)

    def _table(self, results: list[dict], *, k: int) -> None:
        first = results[0]
        relevant = (
            f"held-out ratings of {first['like_threshold']:g} or more"
            if first["relevance"] == "liked"
            else "all held-out ratings"
        )
        self.stdout.write(
            f"{first['protocol']}, seed {first['seed']}, relevant: {relevant}; {first['ratings']['train']} training / "
            f"{first['ratings']['test']} held-out ratings, {first['metrics']['users']} users scored"
        )
        columns = [
            (f"NDCG@{k}", f"ndcg@{k}"), (f"Recall@{k}", f"recall@{k}"), (f"Recall@{2 * k}", f"recall@{2 * k}"),
            (f"HR@{k}", f"hr@{k}"), (f"coverage@{k}", f"coverage@{k}"), (f"pop. bias@{k}", f"popularity_bias@{k}"),
        ]  # fmt: skip
        width = max(14, *(len(result["algorithm"]) + 2 for result in results))
        self.stdout.write(
            f"{'algorithm':<{width}}" + "".join(f"{title:>14}" for title, _ in columns) + f"{'fit (s)':>10}"
        )
        for result in results:
            fit = "" if result["fit_seconds"] is None else f"{result['fit_seconds']:.2f}"
            self.stdout.write(
                f"{result['algorithm']:<{width}}"
                + "".join(f"{result['metrics'][key]:>14.4f}" for _, key in columns)
                + f"{fit:>10}"
            )

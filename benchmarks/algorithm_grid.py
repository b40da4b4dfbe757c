"""The quick grid behind the defaults of item-kNN, RP3beta and EASE: each setting scored on one split
under both relevance definitions, beside implicit's item-item models at their best K.

    python benchmarks/algorithm_grid.py [--data DIR] [--protocol random-80-20] [--seed 0] [--algorithm NAME]...

Every setting is the algorithm's defaults with one change (GRID), so the table shows what each knob does
around the defaults. Each is fitted once on the training part of the split (recengine.evaluation.Holdout)
and scored on the held-out part with relevance "all" (every held-out rating) and "liked" (held-out
ratings of 4 or more). implicit's CosineRecommender, BM25Recommender and TFIDFRecommender run at each K of
IMPLICIT_KS (benchmarks/implicit_baselines.py). This grid scores on the test split, so it is a quick look,
not a selection: benchmarks/evaluation_sweep.py chooses on a validation split. No database; each EASE fit
inverts an items x items matrix (about 30 s on 2 CPUs for ml-latest-small), so the whole grid takes
about 15 minutes there. Prints a markdown table.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.implicit_baselines import MODELS, implicit_run  # noqa: E402
from datasets.importers import read_dataset  # noqa: E402
from recengine.evaluation import RELEVANCE, Holdout, Run, fit_and_rank  # noqa: E402
from recengine.recommender import RECOMMENDERS  # noqa: E402

K = 10  # NDCG@10, lists of 2K
IMPLICIT_KS = (10, 20, 50, 100, 200)
OLD_LIKES = {"low_weight": 1.0, "dislike_threshold": 0.0}  # every rating counts as 1, as before likes
GRID: dict[str, list[dict]] = {
    "item-knn": [
        {},
        OLD_LIKES,
        {"low_weight": 0.25},
        {"low_weight": 0.75},
        {"dislike_threshold": 0.0},
        {"dislike_weight": -0.25},
        {"k": 20},
    ],
    "rp3beta": [
        {},
        OLD_LIKES,
        {"low_weight": 0.5},
        {"dislike_threshold": 0.0},
        {"alpha": 1.0},
        {"alpha": 0.75},
        {"alpha": 0.3},
        {"beta": 0.3},
        {"beta": 0.7},
        {"k": 100},
        {"k": 400},
    ],
    "ease": [
        {},
        OLD_LIKES,
        {"low_weight": 0.5},
        {"dislike_threshold": 0.0},
        {"dislike_weight": -0.25},
        {"l2": 100.0},
        {"l2": 500.0},
        {"k": 100},
        {"k": 500},
        {"keep": "positive"},
    ],
}
HEAD = "| model | setting | NDCG@10 all | NDCG@10 liked | coverage@10 | fit (s) | vs implicit all | vs implicit liked |"


def ndcg(run: Run, holdout: Holdout) -> dict[str, float]:
    return {relevance: run.metrics(holdout, relevance=relevance, k=K)[f"ndcg@{K}"] for relevance in RELEVANCE}


def implicit_best(holdout: Holdout) -> tuple[dict[str, float], list[str]]:
    """The best NDCG@10 of implicit's models over IMPLICIT_KS per relevance, and a table row per model at
    its best K (by the mean of both relevance definitions)."""
    best = dict.fromkeys(RELEVANCE, 0.0)
    rows = []
    for model in MODELS:
        runs = [implicit_run(model, k, holdout, n=2 * K) for k in IMPLICIT_KS]
        scores = [ndcg(run, holdout) for run in runs]
        for score in scores:
            best = {relevance: max(best[relevance], score[relevance]) for relevance in RELEVANCE}
        top = max(range(len(runs)), key=lambda i: sum(scores[i].values()))
        run = runs[top]
        coverage = run.metrics(holdout, relevance="all", k=K)[f"coverage@{K}"]
        rows.append(
            f"| {run.algorithm} | K={run.params['K']} | {scores[top]['all']:.4f} | {scores[top]['liked']:.4f} "
            f"| {coverage:.4f} | {run.fit_seconds:.2f} | | |"
        )
    return best, rows


def grid_rows(name: str, holdout: Holdout, best: dict[str, float]) -> list[str]:
    algorithm = RECOMMENDERS[name]
    rows = []
    for change in GRID.get(name, [{}]):
        params = algorithm.Params(**{**algorithm.Params().as_dict(), **change})
        run = fit_and_rank(algorithm, params, holdout, n=2 * K)
        score = ndcg(run, holdout)
        coverage = run.metrics(holdout, relevance="all", k=K)[f"coverage@{K}"]
        setting = ", ".join(f"{key}={value}" for key, value in change.items()) or "**defaults**"
        rows.append(
            f"| {name} | {setting} | {score['all']:.4f} | {score['liked']:.4f} | {coverage:.4f} "
            f"| {run.fit_seconds:.2f} | {score['all'] / best['all']:.3f}x | {score['liked'] / best['liked']:.3f}x |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--protocol", default="random-80-20")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--algorithm", action="append", choices=sorted(RECOMMENDERS), help="default: all")
    args = parser.parse_args()

    ratings = read_dataset(Path(args.data)).ratings
    holdout = Holdout.make(
        ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps, protocol=args.protocol, seed=args.seed
    )
    best, rows = implicit_best(holdout)
    print(f"implicit's best NDCG@10: all {best['all']:.4f}, liked {best['liked']:.4f}", flush=True)
    for name in args.algorithm or sorted(RECOMMENDERS):
        rows += grid_rows(name, holdout, best)
    separator = "| --- | --- |" + " ---: |" * 6
    print(f"\n{Path(args.data).name}, {args.protocol}, seed {args.seed}\n\n{HEAD}\n{separator}\n" + "\n".join(rows))


if __name__ == "__main__":
    main()

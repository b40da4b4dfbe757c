"""The offline evaluation behind the engine's defaults: item-kNN settings against popularity, both protocols.

    python benchmarks/evaluation_sweep.py [--data ../shared/datasets/ml-latest-small] [--seed 0]

No database: it reads the MovieLens files directly, exactly as `manage.py evaluate` does. Prints the
table and writes it into docs/EVALUATION.md.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from datasets.importers import read_dataset  # noqa: E402
from recengine.evaluation import evaluate  # noqa: E402
from recengine.model import KnnParams  # noqa: E402

GRID = [
    KnnParams(),
    KnnParams(k=5),
    KnnParams(k=20),
    KnnParams(k=50),
    KnnParams(k=100),
    KnnParams(shrinkage=5.0),
    KnnParams(threshold=3.5),
    KnnParams(mode="explicit"),
]
POPULARITY_PRIORS = (KnnParams().popularity_prior, 10.0)


def label(params: KnnParams) -> str:
    default = KnnParams()
    changed = [f"{name}={value}" for name, value in params.as_dict().items() if value != getattr(default, name)]
    return ", ".join(changed) or "defaults"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    ratings = read_dataset(Path(args.data)).ratings

    lines = []
    for protocol in ("random-80-20", "leave-one-out"):
        for params in GRID:
            result = evaluate(
                ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps,
                protocol=protocol, seed=args.seed, params=params,
            )  # fmt: skip
            knn = result["knn"]
            lines.append(
                f"| {protocol} | item-kNN ({label(params)}) | {knn['ndcg@10']:.4f} | {knn['recall@10']:.4f} | "
                f"{knn['recall@20']:.4f} | {knn['hr@10']:.4f} | {knn['precision@10']:.4f} | "
                f"{knn['coverage@10']:.4f} | {result['fit_seconds']:.2f} |"
            )
            print(lines[-1])
        for prior in POPULARITY_PRIORS:
            params = KnnParams(popularity_prior=prior)
            popularity = evaluate(
                ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps,
                protocol=protocol, seed=args.seed, params=params,
            )["popularity"]  # fmt: skip
            lines.append(
                f"| {protocol} | popularity ({label(params)}) | {popularity['ndcg@10']:.4f} | "
                f"{popularity['recall@10']:.4f} | {popularity['recall@20']:.4f} | {popularity['hr@10']:.4f} | "
                f"{popularity['precision@10']:.4f} | {popularity['coverage@10']:.4f} | |"
            )
    body = f"""## Results on {Path(args.data).name}, seed {args.seed} (`benchmarks/evaluation_sweep.py`)

| protocol | model | NDCG@10 | Recall@10 | Recall@20 | HR@10 | Precision@10 | Coverage@10 | fit (s) |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(lines)
    write_section("evaluation", body, path=REPO / "docs" / "EVALUATION.md")


if __name__ == "__main__":
    main()

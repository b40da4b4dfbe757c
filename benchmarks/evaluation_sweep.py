"""The offline evaluation behind the engine's defaults: every registered algorithm's settings chosen on a
validation split, then scored on the test split beside implicit's item-item models at their best K.

    python benchmarks/evaluation_sweep.py [--data DIR]... [--seed 0] [--no-write]

For each data set (`--data`, repeatable; default ml-latest-small; ml-100k's u.data read too) and for
each protocol (random-80-20, time-80-20): the test part is set aside and the training part split again
by the same protocol (validation). Every algorithm in recengine.recommender.RECOMMENDERS is fitted with
the settings of its grid (GRIDS, searched in stages; an algorithm without one runs at its defaults), and implicit's
CosineRecommender, BM25Recommender and TFIDFRecommender with each K of IMPLICIT_KS. Each algorithm's
setting is the one with the best mean, over both protocols and both relevance definitions, of its
validation NDCG@10 divided by the best implicit model's; implicit's K is chosen per model, protocol and
relevance. Then everything is fitted once more on the whole training part and scored on the test part.
No database. Prints the tables and writes them into docs/EVALUATION.md and docs/BENCHMARKS.md.
"""

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.implicit_baselines import MODELS, cpus, implicit_run  # noqa: E402
from benchmarks.report import write_section  # noqa: E402
from recengine.evaluation import LIKE_THRESHOLD, RELEVANCE, Holdout, Run, fit_and_rank, popularity_run  # noqa: E402
from recengine.recommender import RECOMMENDERS  # noqa: E402

PROTOCOLS = ("random-80-20", "time-80-20")
CONDITIONS = [(protocol, relevance) for protocol in PROTOCOLS for relevance in RELEVANCE]
K = 10  # NDCG@10; lists of 2K
GOAL = 1.15  # the default algorithm's NDCG@10 / the best implicit model's
TEST_HEAD = (
    "| protocol | relevance | model | setting | NDCG@10 | Recall@10 | Recall@20 | HR@10 | coverage@10 | pop. bias@10 "
    "| fit (s) | vs implicit |\n| --- | --- | --- | --- |" + " ---: |" * 8
)
IMPLICIT_KS = (5, 10, 20, 50, 100, 200, 500, 1000)
# The settings tried per algorithm, in stages: each stage's changes are applied in turn to the best
# setting so far (the algorithm's defaults to begin with) and the best of them carries on. A change
# naming a field the algorithm lacks, or an invalid one, is skipped with a note, so a renamed knob is
# seen rather than silently defaulted. An algorithm without an entry runs at its defaults.
LIKES = [
    [{"low_weight": w} for w in (0.0, 0.25, 0.5, 1.0)],  # how much a rating below the like threshold counts
    [{"dislike_threshold": 0.0, "dislike_weight": 0.0}]  # dislikes (2 stars or less) pushing neighbours down?
    + [{"dislike_threshold": 2.0, "dislike_weight": w} for w in (-0.25, -0.5)],
]
GRIDS: dict[str, list[list[dict]]] = {
    "item-knn": [[{"k": k, "shrinkage": s} for k in (10, 20, 50) for s in (0.0, 5.0, 20.0)], *LIKES],
    "rp3beta": [
        [{"alpha": a, "beta": b} for a in (0.5, 1.0) for b in (0.3, 0.5, 0.7)],
        [{"k": k} for k in (50, 100, 200)],
        *LIKES,
    ],
    "ease": [
        [{"l2": l2} for l2 in (100.0, 300.0, 1000.0)],
        [{"low_weight": w} for w in (0.0, 0.5, 1.0)],
    ],
}


@dataclasses.dataclass
class Ratings:
    name: str
    user_idx: np.ndarray
    item_idx: np.ndarray
    values: np.ndarray
    timestamps: np.ndarray


def read_ratings(path: Path) -> Ratings:
    """Any directory `import_movielens` reads; or ml-100k's u.data alone (tab-separated user, item,
    rating, timestamp), as a file or in a directory without u.item."""
    data = path if path.is_file() else path / "u.data"
    if data.is_file() and not (data.parent / "u.item").is_file():
        table = np.loadtxt(data, delimiter="\t", dtype=np.int64, ndmin=2)
        _, users = np.unique(table[:, 0], return_inverse=True)
        _, items = np.unique(table[:, 1], return_inverse=True)
        name = path.parent.name if path.is_file() else path.name
        return Ratings(name, users, items, table[:, 2].astype(float), table[:, 3])
    from datasets.importers import read_dataset

    ratings = read_dataset(path).ratings
    return Ratings(path.name, ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps)


def ndcg(run: Run, holdout: Holdout, relevance: str) -> float:
    return run.metrics(holdout, relevance=relevance, like_threshold=LIKE_THRESHOLD, k=K)[f"ndcg@{K}"]


def validate(ratings: Ratings, seed: int) -> tuple[dict, dict]:
    """Our chosen setting per algorithm, and implicit's best K per (model, protocol, relevance)."""
    holdouts = {p: Holdout.make(*_arrays(ratings), protocol=p, seed=seed, validation=True) for p in PROTOCOLS}
    implicit: dict[tuple[str, str, str], tuple[float, int]] = {}  # (model, protocol, relevance) -> (NDCG, -K)
    for protocol, holdout in holdouts.items():
        for model in MODELS:
            for k in IMPLICIT_KS:
                run = implicit_run(model, k, holdout, n=2 * K)
                for relevance in RELEVANCE:
                    best = implicit.get((model, protocol, relevance), (-1.0, 0))
                    implicit[model, protocol, relevance] = max(best, (ndcg(run, holdout, relevance), -k))
    best_implicit = {c: max(implicit[m, *c][0] for m in MODELS) for c in CONDITIONS}
    scores: dict[tuple[str, tuple], dict] = {}  # (algorithm, setting) -> condition -> validation NDCG@10

    def ratio(name: str, setting: dict) -> float:
        key = (name, _key(name, setting))
        if key not in scores:
            algorithm = RECOMMENDERS[name]
            params = algorithm.Params(**setting)
            scores[key] = {}
            for protocol, holdout in holdouts.items():
                run = fit_and_rank(algorithm, params, holdout, n=2 * K)
                scores[key].update({(protocol, r): ndcg(run, holdout, r) for r in RELEVANCE})
        return float(np.mean([scores[key][c] / best_implicit[c] for c in CONDITIONS]))

    chosen = {}
    for name in sorted(RECOMMENDERS):
        best: dict = {}
        for stage in GRIDS.get(name, []):
            candidates = [setting for change in stage if (setting := _valid(name, {**best, **change})) is not None]
            best = max(candidates or [best], key=lambda setting: ratio(name, setting))
        chosen[name] = (best, ratio(name, best))
    grid = [(name, setting, ratio(name, dict(setting)), values) for (name, setting), values in scores.items()]
    best_k = {key: -k for key, (_, k) in implicit.items()}
    return {"chosen": chosen, "grid": grid, "best_implicit": best_implicit}, best_k


def _valid(name: str, setting: dict) -> dict | None:
    """The setting, or None (with a note) where the algorithm lacks a field or refuses a value."""
    algorithm = RECOMMENDERS[name]
    unknown = set(setting) - {field.name for field in dataclasses.fields(algorithm.Params)}
    try:
        if unknown:
            raise ValueError(f"no field {', '.join(sorted(unknown))}")
        algorithm.Params(**setting)
    except ValueError as exc:
        print(f"note: {name}: skipping {setting}: {exc}", flush=True)
        return None
    return setting


def _key(name: str, setting: dict) -> tuple:
    """The setting's fields that differ from the algorithm's defaults, sorted."""
    defaults = RECOMMENDERS[name].Params().as_dict()
    return tuple(sorted((field, value) for field, value in setting.items() if value != defaults[field]))


def _arrays(ratings: Ratings) -> tuple:
    return ratings.user_idx, ratings.item_idx, ratings.values, ratings.timestamps


def test_rows(ratings: Ratings, seed: int, chosen: dict, best_k: dict) -> tuple[list[dict], str]:
    """Every model on the test part, per protocol and relevance; and the default (the best validation ratio)."""
    rows = []
    for protocol in PROTOCOLS:
        holdout = Holdout.make(*_arrays(ratings), protocol=protocol, seed=seed)
        runs = [
            (fit_and_rank(RECOMMENDERS[name], RECOMMENDERS[name].Params(**setting), holdout, n=2 * K), RELEVANCE)
            for name, (setting, _) in sorted(chosen.items())
        ]
        runs.append((popularity_run(holdout, n=2 * K), RELEVANCE))
        for model in MODELS:
            for k in sorted({best_k[model, protocol, relevance] for relevance in RELEVANCE}):
                relevances = tuple(r for r in RELEVANCE if best_k[model, protocol, r] == k)
                runs.append((implicit_run(model, k, holdout, n=2 * K), relevances))
        for run, relevances in runs:
            for relevance in relevances:
                metrics = run.metrics(holdout, relevance=relevance, like_threshold=LIKE_THRESHOLD, k=K)
                rows.append({"protocol": protocol, "relevance": relevance, "run": run, "metrics": metrics})
    rows.sort(key=lambda row: (PROTOCOLS.index(row["protocol"]), RELEVANCE.index(row["relevance"])))  # stable
    default = max(chosen, key=lambda name: chosen[name][1])
    return rows, default


def tables(ratings: Ratings, validation: dict, rows: list[dict], default: str) -> tuple[str, str, list[str]]:
    grid = "\n".join(
        f"| {name} | {', '.join(f'{k}={v}' for k, v in setting) or 'defaults'} | "
        + " | ".join(f"{values[c]:.4f}" for c in CONDITIONS)
        + f" | {score:.3f}x{' **chosen**' if _key(name, validation['chosen'][name][0]) == setting else ''} |"
        for name, setting, score, values in sorted(validation["grid"], key=lambda row: (row[0], -row[2]))
    )
    best_test = {
        c: max(r["metrics"][f"ndcg@{K}"] for r in rows if (r["protocol"], r["relevance"]) == c and _is_implicit(r))
        for c in CONDITIONS
    }
    lines, goals = [], []
    for row in rows:
        run, metrics, condition = row["run"], row["metrics"], (row["protocol"], row["relevance"])
        ratio = metrics[f"ndcg@{K}"] / best_test[condition]
        shown = _key(run.algorithm, run.params) if run.algorithm in RECOMMENDERS else run.params.items()
        params = ", ".join(f"{key}={value}" for key, value in shown) or "defaults"
        marker = " (default)" if run.algorithm == default else ""
        fit = "" if run.fit_seconds is None else f"{run.fit_seconds:.2f}"
        lines.append(
            f"| {row['protocol']} | {row['relevance']} | {run.algorithm}{marker} | {params} | "
            + " | ".join(f"{metrics[key]:.4f}" for key in _keys())
            + f" | {fit} | {ratio:.2f}x |"
        )
        if run.algorithm == default:
            verdict = "met" if ratio >= GOAL else "not met"
            goals.append(f"{ratings.name}, {row['protocol']}, {row['relevance']}: {ratio:.3f}x ({verdict})")
    test = "\n".join(lines)
    return grid, test, goals


def _keys() -> list[str]:
    return [f"ndcg@{K}", f"recall@{K}", f"recall@{2 * K}", f"hr@{K}", f"coverage@{K}", f"popularity_bias@{K}"]


def _is_implicit(row: dict) -> bool:
    return row["run"].algorithm.startswith("implicit ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = REPO.parent / "shared" / "datasets" / "ml-latest-small"
    parser.add_argument("--data", action="append", type=Path, help=f"a data set directory (default {default_data})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ as it is")
    args = parser.parse_args()
    started = time.perf_counter()
    sections, all_goals, names, changes = [], [], [], []
    for path in args.data or [default_data]:
        if not path.exists():
            sys.exit(f"evaluation_sweep.py: --data {path}: does not exist")
        ratings = read_ratings(path)
        names.append(ratings.name)
        validation, best_k = validate(ratings, args.seed)
        rows, default = test_rows(ratings, args.seed, validation["chosen"], best_k)
        grid, test, goals = tables(ratings, validation, rows, default)
        all_goals += goals
        changes += [
            f"{ratings.name}: {name} chose {', '.join(f'{k}={v}' for k, v in _key(name, setting))}"
            for name, (setting, _) in validation["chosen"].items()
            if _key(name, setting)
        ]
        sections.append(_section(ratings, args.seed, grid, test, default))
        print(sections[-1][0], flush=True)
    missing = "" if "ml-100k" in names else "\n\nml-100k was not run here (no copy on this machine): add `--data DIR`."
    minutes = (time.perf_counter() - started) / 60
    summary = (
        f"Goal: the default algorithm's NDCG@10 at least {GOAL:.2f}x the best of implicit's item-item models "
        f"at their best K (on the test part):\n\n"
        + "\n".join(f"- {goal}" for goal in all_goals)
        + missing
        + "\n\nSettings chosen that differ from the algorithm's Params defaults: "
        + ("; ".join(changes) or "none")
        + ".\n\nRerun: `python benchmarks/evaluation_sweep.py"
        + "".join(f" --data {p}" for p in args.data or [])
        + f"` ({minutes:.1f} min here on {cpus()} CPUs)."
    )
    print(summary)
    if not args.no_write:
        full = "\n\n".join(section for section, _ in sections)
        write_section("evaluation", f"{full}\n\n{summary}", path=REPO / "docs" / "EVALUATION.md")
        tests = "\n\n".join(test for _, test in sections)
        write_section("evaluation-vs-implicit", f"{tests}\n\n{summary}")


def _section(ratings: Ratings, seed: int, grid: str, test: str, default: str) -> tuple[str, str]:
    """The data set's validation and test tables (docs/EVALUATION.md), and its test table alone (BENCHMARKS.md)."""
    condition_heads = " | ".join(f"{protocol} {relevance}" for protocol, relevance in CONDITIONS)
    n_users, n_items = len(np.unique(ratings.user_idx)), len(np.unique(ratings.item_idx))
    title = f"## {ratings.name}, seed {seed} (`benchmarks/evaluation_sweep.py`)"
    about = f"""{n_users:,} users, {n_items:,} rated items, {len(ratings.values):,} ratings. Relevance "liked": held-out
ratings of {LIKE_THRESHOLD:g} or more; "all": every held-out rating. Protocols and metrics: docs/EVALUATION.md."""
    validation = f"""### Validation (the training part split again): NDCG@10 per setting

The last column: the mean over the four conditions of NDCG@10 / the best implicit model's (at its best K).

| algorithm | setting | {condition_heads} | vs implicit |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
{grid}"""
    test = f"""### Test: the chosen settings, the popularity baseline and implicit at its best K

Default algorithm (the best validation ratio): **{default}**. The last column: NDCG@10 / the best implicit
model's in the same protocol and relevance.

{TEST_HEAD}
{test}"""
    return f"{title}\n\n{about}\n\n{validation}\n\n{test}", f"{title}\n\n{about}\n\n{test}"


if __name__ == "__main__":
    main()

"""Our item-kNN against implicit's CosineRecommender: fit time, NDCG@10 and peak memory, same split, same K.

    python benchmarks/knn_vs_implicit.py [--data ../shared/datasets/ml-latest-small] [--k 10] [--quick]

Two data sets, each split with recengine.split.random_holdout (20% of each user's ratings
held out, seed 0): ml-latest-small, and a synthetic power-law set of about 5M ratings (200k users x 20k
items, built with numpy from a fixed seed; --quick skips it). Both models are fitted on the same training
matrix (the engine's, with its default like weights) with the same K, both on every CPU, and rank
every unseen item; NDCG@10 is scored on the held-out items (for the synthetic set, on a fixed sample of
test users). The fits take turns, so the machine's other load falls on both alike; the load average is
printed with the table. No database; about a minute on 2 CPUs. Prints a markdown table and writes it to
docs/BENCHMARKS.md.
"""

import argparse
import contextlib
import ctypes
import gc
import os
import re
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from datasets.importers import read_dataset  # noqa: E402
from recengine import knn  # noqa: E402
from recengine.metrics import ranking_metrics  # noqa: E402
from recengine.model import ItemKnn, KnnParams  # noqa: E402
from recengine.split import random_holdout  # noqa: E402

CUTOFF = 10  # NDCG@10; both models rank 2 * CUTOFF items, as evaluation.py does
NDCG_GOAL, FIT_GOAL = 1.05, 1.0  # ours / implicit, on ml-latest-small
MIB = 2**20


@dataclass
class Ratings:
    name: str
    user_idx: np.ndarray
    item_idx: np.ndarray
    values: np.ndarray
    n_users: int
    n_items: int


@dataclass
class Result:
    fit_seconds: float  # median
    similarity_seconds: float  # median, the item-item neighbour step alone
    ndcg: float
    peak_bytes: int


@dataclass
class Comparison:
    ours: Result
    implicit: Result
    train_ratings: int
    eval_users: int


def cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def movielens(path: Path) -> Ratings:
    ratings = read_dataset(path).ratings
    n_users, n_items = int(ratings.user_idx.max()) + 1, int(ratings.item_idx.max()) + 1
    return Ratings(path.name, ratings.user_idx, ratings.item_idx, ratings.values, n_users, n_items)


def synthetic(*, n_users: int = 200_000, n_items: int = 20_000, n_ratings: int = 5_250_000, seed: int = 0) -> Ratings:
    """Zipf-like activity and popularity: user r (in a random order) rates about (r + 100)^-0.6 of the
    ratings, at least 5; each rating picks item r with probability proportional to (r + 10)^-1 (item
    ranks shuffled too). A user rates an item once, so duplicates are dropped (about 5M remain)."""
    rng = np.random.default_rng(seed)
    activity = (np.arange(n_users) + 100.0) ** -0.6
    per_user = rng.permutation(np.maximum(np.round(n_ratings * activity / activity.sum()), 5).astype(np.int64))
    popularity = np.cumsum((np.arange(n_items) + 10.0) ** -1.0)
    picks = np.searchsorted(popularity / popularity[-1], rng.random(int(per_user.sum())), side="right")
    items = rng.permutation(n_items)[np.minimum(picks, n_items - 1)]
    pairs = np.unique(np.repeat(np.arange(n_users, dtype=np.int64), per_user) * n_items + items)
    user_idx, item_idx = pairs // n_items, pairs % n_items
    values = np.ones(len(pairs))
    return Ratings(f"synthetic power-law (seed {seed})", user_idx, item_idx, values, n_users, n_items)


def measure_peak(run: Callable[[], object]) -> int:
    """Bytes of memory `run()` added at its peak.

    Linux: the peak resident set size during the call (VmHWM, reset through /proc/self/clear_refs) less
    the resident size before it, with freed heap handed back to the OS first, so implicit's C++ buffers
    count as well as numpy's. Elsewhere: tracemalloc's peak (Python and numpy allocations only).
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc: hand freed heap back, so reusing it cannot hide growth
    if _reset_peak_rss():
        before = _proc_status("VmRSS")
        run()
        return _proc_status("VmHWM") - before
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _proc_status(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)[1]) * 1024


def peak_method() -> str:
    if _reset_peak_rss():
        return "peak resident memory added during the fit (Linux VmHWM, reset before each fit)"
    return "tracemalloc's peak during the fit (Python and numpy allocations only)"


def median_seconds(runs: int, *timed: Callable[[], object]) -> list[float]:
    """Each callable's median wall time over `runs` rounds; in each round they take turns, so a change in
    the machine's other load falls on all of them alike."""
    times = [[] for _ in timed]
    for _ in range(runs):
        for run, seconds in zip(timed, times, strict=True):
            started = time.perf_counter()
            run()
            seconds.append(time.perf_counter() - started)
    return [statistics.median(seconds) for seconds in times]


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def compare(ratings: Ratings, *, k: int, runs: int, eval_users: int | None) -> Comparison:
    """Fit and score both models on one split."""
    from implicit.nearest_neighbours import CosineRecommender

    test = random_holdout(ratings.user_idx, fraction=0.2, seed=0)
    train = ~test
    users, items, values = ratings.user_idx[train], ratings.item_idx[train], ratings.values[train]
    shape = {"n_users": ratings.n_users, "n_items": ratings.n_items}
    params = KnnParams(k=k)
    seen = sp.csr_matrix(
        (np.ones(len(users), dtype=np.float32), (users, items)), shape=(ratings.n_users, ratings.n_items)
    )
    weights = ItemKnn.prepare(users, items, values, **shape, params=params).interactions  # what a fit reads
    held_out = sp.csr_matrix(
        (np.ones(int(test.sum()), dtype=np.float32), (ratings.user_idx[test], ratings.item_idx[test])),
        shape=(ratings.n_users, ratings.n_items),
    )
    test_users = np.unique(ratings.user_idx[test])
    if eval_users is not None and eval_users < len(test_users):
        test_users = np.sort(np.random.default_rng(0).choice(test_users, eval_users, replace=False))
    relevant = [held_out[user].indices for user in test_users]

    def fit_ours() -> ItemKnn:
        return ItemKnn.fit(users, items, values, **shape, params=params)

    def fit_implicit() -> CosineRecommender:
        model = CosineRecommender(K=k, num_threads=cpus())
        model.fit(weights, show_progress=False)
        return model

    ours_model, implicit_model = fit_ours(), fit_implicit()  # warm-up, and the models scored below
    ours_ranked = ours_model.recommend_many(weights[test_users], seen[test_users], n=2 * CUTOFF)
    implicit_ranked, _ = implicit_model.recommend(
        test_users, weights[test_users], N=2 * CUTOFF, filter_already_liked_items=True
    )
    fit_seconds, similarity_seconds, implicit_seconds = median_seconds(
        runs, fit_ours, lambda: knn.item_neighbors(weights, k=k), fit_implicit
    )
    ours = Result(
        fit_seconds=fit_seconds,
        similarity_seconds=similarity_seconds,
        ndcg=ranking_metrics(ours_ranked, relevant, n_items=ratings.n_items, k=CUTOFF)[f"ndcg@{CUTOFF}"],
        peak_bytes=measure_peak(fit_ours),
    )
    implicit = Result(
        fit_seconds=implicit_seconds,
        similarity_seconds=implicit_seconds,  # its fit is the neighbour step alone
        ndcg=ranking_metrics(implicit_ranked, relevant, n_items=ratings.n_items, k=CUTOFF)[f"ndcg@{CUTOFF}"],
        peak_bytes=measure_peak(fit_implicit),
    )
    return Comparison(ours, implicit, train_ratings=int(train.sum()), eval_users=len(test_users))


def rows(ratings: Ratings, result: Comparison, *, k: int, runs: int, sampled: bool) -> str:
    ours, implicit = result.ours, result.implicit
    title = (
        f"{ratings.name}: {ratings.n_users:,} users x {ratings.n_items:,} items, {len(ratings.user_idx):,} ratings "
        f"({result.train_ratings:,} for training); median of {runs} fit{'s' if runs > 1 else ''}; NDCG@10 over "
        f"{result.eval_users:,} {'sampled ' if sampled else ''}test users"
    )
    lines = [f"| *{title}* | | | | |"]
    for label, model in [
        (f"ours: `ItemKnn.fit` (k={k}, fused kernel)", ours),
        (f"implicit: `CosineRecommender(K={k}, num_threads={cpus()})`", implicit),
    ]:
        lines.append(
            f"| {label} | {model.fit_seconds:.3f} | {model.similarity_seconds:.3f} | {model.ndcg:.4f} | "
            f"{model.peak_bytes / MIB:,.0f} |"
        )
    ratios = [
        ours.fit_seconds / implicit.fit_seconds,
        ours.similarity_seconds / implicit.similarity_seconds,
        ours.ndcg / implicit.ndcg,
        ours.peak_bytes / max(implicit.peak_bytes, 1),
    ]
    lines.append("| **ours / implicit** | " + " | ".join(f"**{ratio:.2f}x**" for ratio in ratios) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument(
        "--k", type=int, default=KnnParams().k, help=f"neighbours per item, for both (default {KnnParams().k})"
    )
    parser.add_argument("--runs", type=int, default=5, help="fits timed on ml-latest-small (median)")
    parser.add_argument("--synthetic-runs", type=int, default=5, help="fits timed on the synthetic set (median)")
    parser.add_argument("--eval-users", type=int, default=2000, help="test users sampled on the synthetic set")
    parser.add_argument("--quick", action="store_true", help="skip the synthetic set")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="implicit")  # "expects CSR input": its own normalize makes COO
    started = time.perf_counter()
    loads = [load_average()]

    small = movielens(Path(args.data))
    result = compare(small, k=args.k, runs=args.runs, eval_users=None)
    table = [rows(small, result, k=args.k, runs=args.runs, sampled=False)]
    print(table[-1], flush=True)
    ndcg_ratio = result.ours.ndcg / result.implicit.ndcg
    fit_ratios = {small.name: result.ours.fit_seconds / result.implicit.fit_seconds}
    if not args.quick:
        large = synthetic()
        result = compare(large, k=args.k, runs=args.synthetic_runs, eval_users=args.eval_users)
        table.append(rows(large, result, k=args.k, runs=args.synthetic_runs, sampled=True))
        print(table[-1], flush=True)
        fit_ratios[large.name] = result.ours.fit_seconds / result.implicit.fit_seconds
    loads.append(load_average())

    small_fit = fit_ratios[small.name]
    goals = [
        f"NDCG@10 at least {NDCG_GOAL:.2f}x implicit's on {small.name}: "
        f"{'met' if ndcg_ratio >= NDCG_GOAL else 'not met'} ({ndcg_ratio:.2f}x).",
        f"Fit time at most {FIT_GOAL:.1f}x implicit's: {'met' if small_fit <= FIT_GOAL else 'not met'} on "
        f"{small.name} ({small_fit:.2f}x)"
        + "".join(
            f", {'met' if ratio <= FIT_GOAL else 'not met'} on the synthetic set ({ratio:.2f}x)"
            for name, ratio in fit_ratios.items()
            if name != small.name
        )
        + ".",
    ]
    default_data = parser.get_default("data")
    command = "python benchmarks/knn_vs_implicit.py" + (f" --data {args.data}" if args.data != default_data else "")
    command += (f" --k {args.k}" if args.k != 20 else "") + (" --quick" if args.quick else "")
    minutes = (time.perf_counter() - started) / 60
    body = f"""## Item-kNN against implicit's CosineRecommender (`benchmarks/knn_vs_implicit.py`)

Same random 80/20 split (`random_holdout`, seed 0), same training matrix (the one `ItemKnn.fit` builds, default
like weights), same K ({args.k}, `--k`; the engine's default is {KnnParams().k}), both on {cpus()} threads (every CPU).
Ours: `ItemKnn.fit` (matrix from the rating triples, neighbours, popularity list) and `recommend_many`, as
`evaluation.py` runs them; implicit: `fit` on the training CSR and its batch `recommend(userids, user_items,
N=20, filter_already_liked_items=True)`. Both neighbour steps are one fused pass per item (accumulate the
products with every co-rated item, keep the best K): implicit's in C++, ours in numba (`recengine/knn_kernel.py`).
The "neighbours" column times the item-item step alone (`item_neighbors` for ours, all of `fit` for
implicit). Times are medians, the three fits taking turns in each round; the 1-minute load average was
{loads[0]} at the start and {loads[-1]} at the end. Implicit's K counts the item itself, ours does not;
ours fills a list with popular items when the neighbours run out, implicit does not (past its scored items
come zero-score ones, seen items included). Memory: {peak_method()}.

| data set / model | fit (s) | neighbours (s) | NDCG@10 | peak memory (MiB) |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(table)}

{chr(10).join(f"- {goal}" for goal in goals)}

Rerun: `{command}` (took {minutes:.1f} min here)."""
    print(body)
    write_section("knn-vs-implicit", body)


if __name__ == "__main__":
    main()

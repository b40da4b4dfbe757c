"""The item-kNN fit split into blocks of items, each computed in its own process (as the Celery chord's
tasks on other hosts do), then put together: the same neighbours as the single-process fit, and the time.

    python benchmarks/blocked_fit.py [--data ../shared/datasets/ml-latest-small] [--blocks 8] [--processes 2]

No database. As in `training_run_start`, the ratings are read once into a `TrainingData` snapshot; each
process is handed the snapshot's bytes, loads them and computes `TrainingData.block` for its item range;
`ItemKnn.from_blocks` puts the ranges together. Prints the figures and writes them to docs/BENCHMARKS.md.
"""

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from datasets.importers import read_dataset  # noqa: E402
from recengine.model import ItemKnn, KnnParams, TrainingData, block_bounds  # noqa: E402


def block(snapshot: bytes, start: int, stop: int):
    """One worker's share: load the snapshot, compute rows start..stop-1."""
    return (start, stop), TrainingData.loads(snapshot, params=KnnParams()).block(start, stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    params = KnnParams()
    ratings = read_dataset(Path(args.data)).ratings
    n_users, n_items = int(ratings.user_idx.max()) + 1, int(ratings.item_idx.max()) + 1

    started = time.perf_counter()
    whole = ItemKnn.fit(
        ratings.user_idx, ratings.item_idx, ratings.values, n_users=n_users, n_items=n_items, params=params
    )
    whole_seconds = time.perf_counter() - started

    started = time.perf_counter()
    data = TrainingData.build(
        ratings.user_idx, ratings.item_idx, ratings.values, n_users=n_users, n_items=n_items, params=params
    )
    snapshot = data.dumps()
    ranges = block_bounds(n_items, args.blocks)
    with ProcessPoolExecutor(args.processes) as pool:
        parts = list(pool.map(block, [snapshot] * len(ranges), *zip(*ranges, strict=True)))
    assembled = ItemKnn.from_blocks(data, parts)
    blocked_seconds = time.perf_counter() - started

    identical = (assembled.neighbors != whole.neighbors).nnz == 0 and assembled.neighbors.nnz == whole.neighbors.nnz
    print(f"{n_items} items, {whole.neighbors.nnz} neighbour pairs; identical: {identical}")
    print(f"single process {whole_seconds:.2f} s; {len(ranges)} blocks: {blocked_seconds:.2f} s")
    verdict = "identical" if identical else "DIFFERENT"
    body = f"""## Blocked fit: item ranges computed apart (`benchmarks/blocked_fit.py`)

{Path(args.data).name}: {n_items} items, k={params.k}, {whole.neighbors.nnz} neighbour pairs. The fit split
into {len(ranges)} item ranges, each computed by `TrainingData.block` in its own process ({args.processes}
at a time) from the snapshot's bytes ({len(snapshot) / 2**20:.1f} MiB, as the chord's tasks read it from
the training run's row), then put together by `ItemKnn.from_blocks`.

| | seconds | neighbour lists |
| --- | ---: | --- |
| single process (`ItemKnn.fit`) | {whole_seconds:.2f} | the reference (every pair and score compared) |
| {len(ranges)} blocks in {args.processes} processes, from the snapshot | {blocked_seconds:.2f} | {verdict} |

Each block pays for loading the snapshot and normalising the matrix again, and the processes start
cold; the split pays off when the blocks run on several hosts for a catalogue whose fit takes minutes,
not on two cores of one machine. The real chord, on a real worker with the Redis result backend, is
checked against the single-process fit by
`tests/recommendations/test_training_runs.py::test_on_a_real_worker_the_chord_activates_the_same_model_as_a_single_process_fit`.
"""
    write_section("blocked-fit", body)
    if not identical:
        sys.exit("blocked_fit: the blocked fit differs from the single-process fit")


if __name__ == "__main__":
    main()

"""The item-kNN fit split into blocks of items, each computed in its own process (as Celery tasks on
other hosts would), then put together: the same neighbours as the single-process fit, and the time.

    python benchmarks/blocked_fit.py [--data ../shared/datasets/ml-latest-small] [--blocks 8] [--processes 2]

No database. Each process rebuilds the interaction matrix from the ratings (as a worker on another
host would read them) and computes `knn.item_neighbors_block` for its item range. Prints the figures and
writes them to docs/BENCHMARKS.md.
"""

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from catalog.importers import read_dataset  # noqa: E402
from recommendations.engine import knn  # noqa: E402
from recommendations.engine.matrix import interaction_matrix  # noqa: E402
from recommendations.engine.model import KnnParams  # noqa: E402


def interactions_of(path: Path) -> sp.csr_matrix:
    ratings = read_dataset(path).ratings
    params = KnnParams()
    return interaction_matrix(
        ratings.user_idx,
        ratings.item_idx,
        ratings.values,
        n_users=int(ratings.user_idx.max()) + 1,
        n_items=int(ratings.item_idx.max()) + 1,
        mode=params.mode,
        threshold=params.threshold,
    )


def block(path: str, start: int, stop: int):
    """One worker's share: read the ratings, compute rows start..stop-1."""
    params = KnnParams()
    return knn.item_neighbors_block(interactions_of(Path(path)), start, stop, k=params.k, shrinkage=params.shrinkage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    params = KnnParams()

    interactions = interactions_of(Path(args.data))
    n_items = interactions.shape[1]
    started = time.perf_counter()
    whole = knn.item_neighbors(interactions, k=params.k, shrinkage=params.shrinkage)
    whole_seconds = time.perf_counter() - started

    bounds = np.linspace(0, n_items, args.blocks + 1).astype(int)
    started = time.perf_counter()
    with ProcessPoolExecutor(args.processes) as pool:
        parts = list(pool.map(block, [args.data] * args.blocks, bounds[:-1], bounds[1:]))
    blocked_seconds = time.perf_counter() - started
    rows, cols, scores = (np.concatenate(part) for part in zip(*parts, strict=True))
    assembled = sp.csr_matrix((scores, (rows, cols)), shape=(n_items, n_items))

    difference = abs(assembled - whole)
    identical = difference.nnz == 0 or difference.max() == 0
    print(f"{n_items} items, {whole.nnz} neighbour pairs; identical: {identical}")
    print(f"single process {whole_seconds:.2f} s; {args.blocks} blocks: {blocked_seconds:.2f} s")
    verdict = "identical" if identical else "DIFFERENT"
    body = f"""## Blocked fit: item ranges computed apart (`benchmarks/blocked_fit.py`)

{Path(args.data).name}: {n_items} items, k={params.k}, {whole.nnz} neighbour pairs. The fit split into
{args.blocks} item ranges, each computed by `knn.item_neighbors_block` in its own process
({args.processes} at a time), each process reading the ratings itself as a worker on another host would.

| | seconds | neighbour lists |
| --- | ---: | --- |
| single process (`knn.item_neighbors`) | {whole_seconds:.2f} | the reference |
| {args.blocks} blocks, {args.processes} processes | {blocked_seconds:.2f} | {verdict} (every pair and score) |

Each process pays for reading the ratings and building the matrix again; the split pays off when the
blocks run on several hosts for a catalogue whose fit takes minutes, not on two cores of one machine.
"""
    write_section("blocked-fit", body)
    if not identical:
        sys.exit("blocked_fit: the blocked fit differs from the single-process fit")


if __name__ == "__main__":
    main()

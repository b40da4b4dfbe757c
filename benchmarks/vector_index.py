"""The similarity step of a request in words at catalogue scale: exact search against the approximate graph
(recommendations.vector_index), on random-ish unit vectors shaped like all-MiniLM-L6-v2's (384 dimensions).

    python benchmarks/vector_index.py [--items 62000] [--queries 200] [--seed 0]

No database. Two sets of vectors: clustered around 300 centres (items of a few hundred kinds, as sentence
embeddings of a catalogue roughly are) and uniform on the sphere (no structure at all: the hardest case
for a graph). For each: the graph's build time, size and load time; recall@10 and recall@300 (the
ranking's pool) of the graph's answers against exact search; the similarity step's latency, p50 and p99,
exact and through the graph (alone, and with the 1,000 collaborative candidates and a 5,000-item step the
ranking scores exactly, its most); and the cost of adding changed vectors. Writes docs/BENCHMARKS.md.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one math thread, as web processes run (docs/DEPLOY.md)
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")
import django  # noqa: E402

django.setup()
from usearch.index import Index  # noqa: E402

from benchmarks.report import write_section  # noqa: E402
from datasets.importers import read_dataset  # noqa: E402
from recommendations.services.embeddings import item_text  # noqa: E402
from recommendations.serving import encoder  # noqa: E402
from recommendations.vector_index import NEAREST, VectorIndex, graph_build, graph_searching  # noqa: E402

DIMENSIONS = 384


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def vector_sets(n: int, queries: int, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((300, DIMENSIONS))

    def clustered(count: int) -> np.ndarray:
        return unit(centres[rng.integers(0, 300, count)] * 0.6 + rng.standard_normal((count, DIMENSIONS)))

    return {
        "clustered": (clustered(n), clustered(queries)),
        "uniform": (unit(rng.standard_normal((n, DIMENSIONS))), unit(rng.standard_normal((queries, DIMENSIONS)))),
    }


def minilm_set(data: Path, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Real all-MiniLM-L6-v2 vectors: the items of ml-latest-small as `embed_items` writes them, and as
    queries the benchmark's requests in words and the texts of randomly chosen items."""
    items = read_dataset(data).items
    texts = [
        item_text(
            SimpleNamespace(title=item.title, year=item.year, keywords=item.keywords, description=""), item.categories
        )
        for item in items
    ]
    requests = [query["text"] for query in json.loads((REPO / "benchmarks" / "intent_queries.json").read_text())]
    chosen = np.random.default_rng(seed).choice(len(texts), max(queries - len(requests), 0), replace=False)
    model = encoder()
    return model.encode(texts, batch_size=128), model.encode(requests + [texts[i] for i in chosen])


def percentiles(seconds: list[float]) -> tuple[float, float]:
    return float(np.percentile(seconds, 50) * 1000), float(np.percentile(seconds, 99) * 1000)


def timed(function, arguments) -> list[float]:
    seconds = []
    for argument in arguments:
        started = time.perf_counter()
        function(argument)
        seconds.append(time.perf_counter() - started)
    return seconds


def recall(found: np.ndarray, truth: np.ndarray, k: int) -> float:
    return len(set(np.argsort(-found)[:k].tolist()) & set(np.argsort(-truth)[:k].tolist())) / k


def measure(vectors: np.ndarray, queries: np.ndarray, seed: int) -> dict:
    ids = np.arange(1, len(vectors) + 1, dtype=np.int64)
    exact = VectorIndex(ids, vectors)
    started = time.perf_counter()
    graph = graph_build(ids, vectors)
    build = time.perf_counter() - started
    stored = bytes(graph.save())
    started = time.perf_counter()
    graph = graph_searching(Index.restore(stored))
    load = time.perf_counter() - started
    approximate = VectorIndex(ids, graph=graph)

    truths = [exact.similarity(q) for q in queries]
    founds = [approximate.similarity(q) for q in queries]
    rng = np.random.default_rng(seed)
    asked = np.zeros(len(ids), dtype=bool)
    asked[rng.choice(len(ids), 1000, replace=False)] = asked[rng.choice(len(ids), 5000, replace=False)] = True
    step_exact = timed(lambda q: np.argpartition(-exact.similarity(q), NEAREST)[:NEAREST], queries)
    step_graph = timed(approximate.similarity, queries)
    step_asked = timed(lambda q: approximate.similarity(q, exact=asked), queries)
    changed = unit(rng.standard_normal((100, DIMENSIONS)))
    one = timed(lambda i: approximate.upserted(ids[i : i + 1], changed[i : i + 1]), range(20))
    started = time.perf_counter()
    approximate.upserted(ids[200:300], changed)
    hundred = time.perf_counter() - started
    return {
        "items": len(ids), "build": build, "load": load, "size": len(stored), "memory": graph.memory_usage,
        "matrix": vectors.nbytes,
        "recall10": np.mean([recall(f, t, 10) for f, t in zip(founds, truths, strict=True)]),
        "recall300": np.mean([recall(f, t, NEAREST) for f, t in zip(founds, truths, strict=True)]),
        "exact": percentiles(step_exact), "graph": percentiles(step_graph), "asked": percentiles(step_asked),
        "one": float(np.median(one) * 1000), "hundred": hundred * 1000,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=62000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    args = parser.parse_args()
    load = [os.getloadavg()[0]]
    results, sets = {}, vector_sets(args.items, args.queries, args.seed)
    if (Path(args.data) / "movies.csv").is_file():
        sets["MiniLM, ml-latest-small"] = minilm_set(Path(args.data), args.queries, args.seed)
    for name, (vectors, queries) in sets.items():
        results[name] = measure(vectors, queries, args.seed)
        load.append(os.getloadavg()[0])
        print(name, results[name])

    rows = []
    for name, r in results.items():
        rows.append(
            f"| {name} ({r['items']:,}) | {r['recall10']:.3f} | {r['recall300']:.3f} | "
            f"{r['exact'][0]:.1f} / {r['exact'][1]:.1f} | "
            f"{r['graph'][0]:.1f} / {r['graph'][1]:.1f} | {r['asked'][0]:.1f} / {r['asked'][1]:.1f} | "
            f"{r['build']:.0f} s | {r['load'] * 1000:.0f} ms | {r['one']:.1f} ms / {r['hundred']:.0f} ms |"
        )
    clustered = results["clustered"]
    body = f"""## Vector index: the similarity step at {args.items:,} items (`benchmarks/vector_index.py`)

{args.items:,} unit vectors of 384 dimensions (all-MiniLM-L6-v2's shape), {args.queries} queries from the same
distribution, no database, one math thread (`OMP_NUM_THREADS=1`, as web processes run). *clustered*: around 300
centres, as a catalogue's sentence embeddings roughly are; *uniform*: no structure, the hardest case for a
graph; *MiniLM, ml-latest-small*: real vectors, its movies as `embed_items` writes them, queried with the
requests in words of `benchmarks/intent_queries.json` and other items' texts. Recall: of the exact top 10
(top {NEAREST}, the ranking's pool), the share the graph's answer has.
Latency (ms, p50 / p99) of the similarity step: exact is a matrix product over every vector and the top
{NEAREST}; the graph finds the nearest {NEAREST} and scores them exactly; "+ asked" also scores exactly the rows
the ranking asks for at most (1,000 collaborative candidates and a 5,000-item constraint step). Build: once,
on a worker (usearch HNSW, float16, connectivity 16, every core); load: a serving process restoring the stored
graph; then each changed vector is added by the process (1 / 100 vectors).

| vectors | recall@10 | recall@{NEAREST} | exact | graph | graph + asked | build | load | add 1 / 100 |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Memory per serving process at {args.items:,} items: the graph {clustered["memory"] / 2**20:.0f} MiB (stored:
{clustered["size"] / 2**20:.0f} MiB), and no float32 vectors beside it ({clustered["matrix"] / 2**20:.0f} MiB):
the exact scores and the anchors' vectors are read from the graph's float16 copies. Below
RECSITE_ANN_MIN_ITEMS (20,000) the exact product is used, over the float32 vectors.
The machine's load average (1 min) during the run went from {min(load):.1f} to {max(load):.1f}: latencies
scale with it. On uniform vectors every cosine is near 0, so a nearest neighbour is barely nearer than
any other item and the graph finds about half of the exact top 10; sentence embeddings are not like that
(the MiniLM row).
"""
    write_section("vector-index", body)


if __name__ == "__main__":
    main()

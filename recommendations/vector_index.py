"""The item vectors a process ranks requests in words against: loaded once, then kept current by reading
only the rows written since (`ItemEmbedding.updated`), never the whole table again.

Below RECSITE_ANN_MIN_ITEMS vectors a matrix product scores every item exactly, in a few milliseconds.
At 62k items that product takes 5-16 ms on one core (p99 up to 24 ms on 2 shared cores), so from there an
HNSW graph (usearch, float16) finds each request's nearest items instead, in 1-3 ms, with recall@10 of 1.0
on clustered and on real MiniLM vectors (benchmarks/vector_index.py, docs/BENCHMARKS.md). Building the graph
takes a minute at 62k items, so a worker builds it (`vector_index_build`) and stores it with the vectors'
watermark; each process restores it and adds what changed since. Until one is stored, exact search.
A process with a graph keeps no float32 rows beside it: it reads the graph's float16 copies (about 90 MB less
resident at 62k items of 384 dimensions)."""

import ctypes
import threading
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numkong
import numpy as np
from django.conf import settings
from django.core.cache import cache
from usearch.index import Index

from catalog.selectors import CATALOGUE_VERSION_KEY
from recommendations.models import ItemEmbedding, VectorIndexSnapshot
from recommendations.serving import encoder

# Bumped in the shared cache whenever item vectors (or the stored graph) are written, so serving processes
# read what changed.
EMBEDDINGS_VERSION_KEY = "recommendations:embeddings-version"
NEAREST = 300  # items the graph finds per query: the ranking's pool by similarity (recengine.scoring.blend)
SEARCH_EXPANSION = 512
# Rows are re-read this far behind the newest one a process has, for writers whose clocks run a little
# behind or whose transaction committed a little after its rows' `updated`: re-reading costs little.
WATERMARK_OVERLAP = timedelta(seconds=15)
# A stored graph more than this many changed vectors behind is not caught up in a serving process (about a
# millisecond each); the process searches exactly until a newer one is stored.
GRAPH_CATCH_UP_MAX = 5000


def graph_build(item_ids: np.ndarray, vectors: np.ndarray, *, threads: int = 0) -> Index:
    """An HNSW graph over unit vectors, keyed by item pk. float16 halves its memory at no measured recall."""
    graph = graph_searching(Index(ndim=vectors.shape[1], metric="cos", dtype="f16", connectivity=16, expansion_add=128))
    if len(item_ids):
        graph.add(item_ids.astype(np.uint64), vectors, threads=threads)
    return graph


def graph_searching(graph: Index) -> Index:
    """The graph set to keep SEARCH_EXPANSION candidates while it searches for the NEAREST (at 62k clustered
    vectors, recall of the top 300: 0.80 keeping 300, 0.86 keeping 512; the top 10: 1.0 either way)."""
    graph.expansion_search = SEARCH_EXPANSION
    return graph


class VectorIndex:
    """Item vectors in rows (`item_ids[i]` is row i), searched exactly, or through `graph` when it has one.
    `vectors`, float32, are kept without a graph only (None with one): a graph holds every row's vector, in
    float16, and the index reads those (`vectors_of`).

    What a request holds never changes under it: an update returns a new VectorIndex, whose new rows go
    into spare capacity the old one does not see (a changed vector is overwritten in its row).
    """

    def __init__(
        self, item_ids: np.ndarray, vectors: np.ndarray | None = None, *, graph: Index | None = None, _store=None
    ):
        if _store is None:
            matrix = None if graph is not None else np.asarray(vectors, dtype=np.float32)
            _store = _Store(np.asarray(item_ids, dtype=np.int64), matrix)
        self._store = _store
        self.item_ids = self._store.ids[: len(item_ids)]
        self.vectors = None if self._store.matrix is None else self._store.matrix[: len(item_ids)]
        self.graph = graph

    def __len__(self) -> int:
        return len(self.item_ids)

    def rows_of(self, item_ids) -> np.ndarray:
        """Rows of the items this index has, in the order given (the others left out)."""
        rows = np.array([self._store.row_of.get(pk, -1) for pk in np.asarray(item_ids).tolist()], dtype=np.int64)
        return rows[(rows >= 0) & (rows < len(self))]

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """The float32 vectors of `rows`: their own, or the graph's float16 copies (zeros for an item that a
        newer index, sharing the graph, has left out of it since)."""
        if self.graph is None:
            return self.vectors[rows]
        keys = self.item_ids[rows].astype(np.uint64)
        with _graph_lock:
            held = self.graph.contains(keys)
            found = self.graph.get(keys[held])
        widened = np.empty((len(found), self.graph.ndim), dtype=np.float32)
        if len(found):  # numkong (usearch's SIMD kernels) widens float16 some 20 times faster than numpy
            numkong.astype(np.concatenate(found).reshape(widened.shape), "float32", out=widened)
        if held.all():
            return widened
        vectors = np.zeros((len(keys), self.graph.ndim), dtype=np.float32)
        vectors[held] = widened
        return vectors

    def similarity(self, query: np.ndarray, *, exact: np.ndarray | None = None) -> np.ndarray:
        """Cosine similarity of every row to `query` (a unit vector). Exact without a graph. With one: exact
        for the query's NEAREST rows by the graph and the rows `exact` marks (a mask: those the caller ranks
        anyway), and for every other row the lowest of those, so that it ranks below them (no row outside
        the nearest is nearer, up to the graph's recall)."""
        if self.graph is None:
            return self.vectors @ query
        with _graph_lock:
            nearest = self.rows_of(self.graph.search(query, NEAREST).keys)
        scored = np.zeros(len(self), dtype=bool) if exact is None else exact.copy()
        scored[nearest] = True
        rows = np.flatnonzero(scored)
        scores = self.vectors_of(rows) @ query
        similarity = np.full(len(self), scores.min() if len(scores) else 0.0, dtype=np.float32)
        similarity[rows] = scores
        return similarity

    def upserted(self, item_ids: np.ndarray, vectors: np.ndarray) -> "VectorIndex":
        """With these items' vectors added, or overwritten where they changed (in the graph too)."""
        store, size = self._store, len(self)
        rows = np.array([store.row_of.get(pk, -1) for pk in item_ids.tolist()], dtype=np.int64)
        fresh = (rows < 0) | (rows >= size)
        changed = ~fresh
        # (compared as the graph holds them, in float16: a vector re-read unchanged is not re-added)
        kept = vectors[changed] if self.graph is None else vectors[changed].astype(np.float16).astype(np.float32)
        changed[changed] = np.any(self.vectors_of(rows[changed]) != kept, axis=1)
        grown = size + int(fresh.sum())
        if grown > len(store.ids) or store.size != size:  # full, or another index appended here: copy
            store = _Store(self.item_ids, self.vectors, capacity=max(grown, 2 * size, 1024))
        if store.matrix is not None:
            store.matrix[rows[changed]], store.matrix[size:grown] = vectors[changed], vectors[fresh]
        store.ids[size:grown] = item_ids[fresh]
        store.row_of.update(zip(item_ids[fresh].tolist(), range(size, grown), strict=True))
        store.size = grown
        if self.graph is not None:
            adding = (changed | fresh).nonzero()[0]
            with _graph_lock:
                self.graph.remove(item_ids[adding].astype(np.uint64))
                self.graph.add(item_ids[adding].astype(np.uint64), vectors[adding])
        return VectorIndex(store.ids[:grown], graph=self.graph, _store=store)

    def without(self, item_ids: np.ndarray) -> "VectorIndex":
        """With these items left out (rare: items deleted), in new rows."""
        keep = ~np.isin(self.item_ids, item_ids)
        if self.graph is not None:
            with _graph_lock:
                self.graph.remove(self.item_ids[~keep].astype(np.uint64))
        return VectorIndex(self.item_ids[keep], None if self.vectors is None else self.vectors[keep], graph=self.graph)

    def with_graph(self, graph: Index) -> "VectorIndex":
        """Searched through `graph`, which holds every row's vector: in new rows, without float32 vectors."""
        return VectorIndex(self.item_ids, graph=graph)


class _Store:
    """The arrays VectorIndex views share, with room to grow, and which row each item pk is in; the float32
    vectors' matrix only for an index without a graph (None otherwise)."""

    def __init__(self, ids: np.ndarray, matrix: np.ndarray | None, *, capacity: int = 0):
        self.size = len(ids)
        self.ids = np.zeros(max(capacity, self.size), dtype=np.int64)
        self.ids[: self.size] = ids
        self.matrix = None
        if matrix is not None:
            self.matrix = np.zeros((len(self.ids), matrix.shape[1]), dtype=np.float32)
            self.matrix[: self.size] = matrix
        self.row_of = dict(zip(ids.tolist(), range(self.size), strict=True))


_graph_lock = threading.Lock()  # a graph is searched and changed under it (indexes of one process share theirs)


@dataclass(frozen=True)
class _Loaded:
    index: VectorIndex
    model_name: str
    token: object
    watermark: datetime | None  # the newest `updated` among the rows read
    graph_built: datetime | None  # when the stored graph this process loaded was built


# How often this process read vectors: all of them ("full"), those changed since ("changes"), a stored graph.
LOADS: Counter = Counter()
_loaded: _Loaded | None = None
_lock = threading.Lock()


def vector_index() -> VectorIndex:
    """The process's item vectors under the current encoder: loaded on first use, then brought up to date
    whenever the shared cache says vectors or items were written (one cache read per call otherwise)."""
    global _loaded
    # Vectors written, or items deleted (their vectors with them): either makes the process look.
    versions = cache.get_many([EMBEDDINGS_VERSION_KEY, CATALOGUE_VERSION_KEY])
    token, name = (versions.get(EMBEDDINGS_VERSION_KEY), versions.get(CATALOGUE_VERSION_KEY)), encoder().name
    loaded = _loaded
    if loaded is not None and (loaded.model_name, loaded.token) == (name, token):
        return loaded.index
    with _lock:
        reads = LOADS["full"] + LOADS["graph"]
        if _loaded is None or _loaded.model_name != name:
            _loaded = _full_load(name, token)
        elif _loaded.token != token:
            _loaded = _changes_load(_loaded, token)
        if LOADS["full"] + LOADS["graph"] != reads:
            _heap_trim()
        return _loaded.index


def _heap_trim() -> None:
    """Give the C heap's free pages back to the system (glibc; elsewhere nothing). What reading every row
    or a stored graph left freed (at 62k items, some 280 MB: the rows, the graph's bytes, float32 rows
    dropped for the graph) stays resident otherwise, malloc keeping it for reuse."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def _full_load(name: str, token) -> _Loaded:
    LOADS["full"] += 1
    ids, vectors, watermark = _rows(ItemEmbedding.objects.filter(model_name=name).order_by("item_id"))
    loaded = _Loaded(VectorIndex(ids, vectors), name, token, watermark, None)
    return _graph_attach(loaded)


def _changes_load(loaded: _Loaded, token) -> _Loaded:
    """The rows written since this process's watermark; when the count of rows says more changed, which."""
    LOADS["changes"] += 1
    rows = ItemEmbedding.objects.filter(model_name=loaded.model_name)
    since = rows if loaded.watermark is None else rows.filter(updated__gte=loaded.watermark - WATERMARK_OVERLAP)
    ids, vectors, watermark = _rows(since)
    index = loaded.index.upserted(ids, vectors) if len(ids) else loaded.index
    if rows.count() != len(index):  # items deleted, or a row committed too long after its `updated`: reconcile
        present = np.array(rows.values_list("item_id", flat=True), dtype=np.int64)
        index = index.without(np.setdiff1d(index.item_ids, present))
        missed = np.setdiff1d(present, index.item_ids)
        if len(missed):
            index = index.upserted(*_rows(rows.filter(item_id__in=missed.tolist()))[:2])
    watermark = max(filter(None, (loaded.watermark, watermark)), default=None)
    return _graph_attach(replace(loaded, index=index, token=token, watermark=watermark))


def _graph_attach(loaded: _Loaded) -> _Loaded:
    """At RECSITE_ANN_MIN_ITEMS vectors or more, a process searching exactly takes up a stored graph newer
    than the last one it looked at, with what changed since it was built; below, it drops its graph and
    reads every vector again (the graph held the only copies, in float16)."""
    index = loaded.index
    if len(index) < settings.RECSITE_ANN_MIN_ITEMS:
        return _full_load(loaded.model_name, loaded.token) if index.graph is not None else loaded
    stored = VectorIndexSnapshot.objects.filter(model_name=loaded.model_name)
    found = None if index.graph is not None else stored.values_list("built", "watermark").first()
    if found is None or found[0] == loaded.graph_built:
        return loaded
    changed = ItemEmbedding.objects.filter(model_name=loaded.model_name, updated__gte=found[1] - WATERMARK_OVERLAP)
    behind = index.rows_of(list(changed.values_list("item_id", flat=True)))
    if len(behind) > GRAPH_CATCH_UP_MAX:
        return replace(loaded, graph_built=found[0])
    LOADS["graph"] += 1
    graph = graph_searching(Index.restore(stored.values_list("data", flat=True)[0]))
    keys = np.asarray(graph.keys, dtype=np.int64)
    stale = np.zeros(len(index), dtype=bool)
    stale[behind] = True
    graph.remove(np.union1d(np.setdiff1d(keys, index.item_ids), index.item_ids[stale]).astype(np.uint64))
    adding = stale | ~np.isin(index.item_ids, keys)
    graph.add(index.item_ids[adding].astype(np.uint64), index.vectors[adding])
    return replace(loaded, index=index.with_graph(graph), graph_built=found[0])


def _rows(queryset) -> tuple[np.ndarray, np.ndarray, datetime | None]:
    """(item pks, vectors, newest `updated`) of the embedding rows in `queryset`."""
    rows = list(queryset.values_list("item_id", "vector", "updated"))
    dimensions = encoder().dimensions
    ids = np.array([pk for pk, _, _ in rows], dtype=np.int64)
    vectors = np.frombuffer(b"".join(bytes(vector) for _, vector, _ in rows), dtype=np.float32)
    return ids, vectors.reshape(-1, dimensions), max((updated for _, _, updated in rows), default=None)

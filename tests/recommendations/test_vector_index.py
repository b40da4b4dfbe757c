"""recommendations.vector_index.VectorIndex, without a database: the approximate graph finds what exact
search finds, and an update never changes what a request already holds. With a graph the index keeps no
float32 rows: it reads the graph's float16 copies."""

import numpy as np
import pytest

from recommendations.vector_index import VectorIndex, graph_build


def clustered(n: int, *, seed: int = 0, dimensions: int = 64) -> np.ndarray:
    """Unit vectors around 20 centres, as sentence embeddings of items in a few genres roughly are."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, dimensions))
    vectors = centres[rng.integers(0, 20, n)] * 0.6 + rng.standard_normal((n, dimensions))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def top(similarity: np.ndarray, k: int = 10) -> set[int]:
    return set(np.argsort(-similarity, kind="stable")[:k].tolist())


def test_the_approximate_index_finds_the_same_top_items_as_exact_search():
    vectors = clustered(2000)
    ids = np.arange(1, 2001, dtype=np.int64) * 7  # item pks, not rows
    exact = VectorIndex(ids, vectors)
    approximate = VectorIndex(ids, graph=graph_build(ids, vectors, threads=1))

    queries = clustered(30, seed=1)
    found = [len(top(approximate.similarity(q)) & top(exact.similarity(q))) / 10 for q in queries]

    assert np.mean(found) >= 0.99
    assert all(np.argmax(approximate.similarity(q)) == np.argmax(exact.similarity(q)) for q in queries)


def test_rows_the_graph_does_not_find_score_below_those_it_does_unless_asked_for():
    vectors = clustered(1000)
    ids = np.arange(1000, dtype=np.int64)
    index = VectorIndex(ids, graph=graph_build(ids, vectors, threads=1))
    query = vectors[0]
    farthest = int(np.argmin(vectors @ query))

    plain = index.similarity(query)
    asked = index.similarity(query, exact=np.arange(1000) == farthest)

    assert plain[farthest] == plain.min()  # not among the nearest: the lowest of what was scored
    assert asked[farthest] == pytest.approx(float(vectors[farthest] @ query), abs=1e-3)  # from float16
    assert plain[0] == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("with_graph", [False, True])
def test_an_update_adds_and_overwrites_rows_and_leaves_the_older_index_as_it_was(with_graph):
    vectors = clustered(50)
    ids = np.arange(10, 60, dtype=np.int64)
    before = VectorIndex(ids, vectors, graph=graph_build(ids, vectors, threads=1) if with_graph else None)
    held_ids, held_row = before.item_ids.copy(), before.vectors_of(before.rows_of([11]))[0]
    fresh = clustered(3, seed=2)

    after = before.upserted(np.array([11, 500, 501]), fresh)

    assert len(after) == 52
    assert len(before) == 50
    assert np.array_equal(before.item_ids, held_ids)  # the new rows are not in what a request holds
    assert not np.array_equal(held_row, fresh[0])
    kept = fresh.astype(np.float16).astype(np.float32) if with_graph else fresh  # as the graph holds them
    assert np.array_equal(after.vectors_of(after.rows_of([11, 500, 501])), kept)
    assert top(after.similarity(fresh[1]), 1) == set(after.rows_of([500]).tolist())


def test_an_item_left_out_is_found_no_more():
    vectors = clustered(200)
    ids = np.arange(200, dtype=np.int64)
    index = VectorIndex(ids, graph=graph_build(ids, vectors, threads=1))

    smaller = index.without(np.array([5]))

    assert len(smaller) == 199
    assert 5 not in smaller.item_ids
    assert not len(smaller.rows_of([5]))
    assert smaller.item_ids[np.argmax(smaller.similarity(vectors[5]))] != 5
    assert not smaller.graph.contains(5)


def test_with_a_graph_the_index_keeps_no_float32_rows_and_reads_the_graphs_copies():
    vectors = clustered(300)
    ids = np.arange(300, dtype=np.int64) * 3
    index = VectorIndex(ids, graph=graph_build(ids, vectors, threads=1))

    assert index.vectors is None
    assert np.allclose(index.vectors_of(np.arange(300)), vectors, atol=1e-3)
    assert index.vectors_of(np.array([], dtype=np.int64)).shape == (0, 64)
    assert index.upserted(np.array([3, 2000]), clustered(2, seed=3)).without(np.array([6])).vectors is None


def test_an_older_index_reads_zeros_for_an_item_a_newer_one_left_out_of_their_graph():
    vectors = clustered(100)
    ids = np.arange(100, dtype=np.int64)
    older = VectorIndex(ids, graph=graph_build(ids, vectors, threads=1))

    older.without(np.array([5]))  # a request still holds `older`; the graph is shared
    asked = older.similarity(vectors[7], exact=np.arange(100) == 5)

    assert not older.vectors_of(older.rows_of([5])).any()
    assert np.allclose(older.vectors_of(older.rows_of([4, 6])), vectors[[4, 6]], atol=1e-3)
    assert asked[5] == 0.0
    assert np.argmax(asked) == 7

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from recengine import knn, knn_kernel
from recengine.knn import item_neighbors

# 3 users x 4 items, implicit (1 = rated):
#
#        i0 i1 i2 i3
#   u0 [  1  1  0  1 ]
#   u1 [  1  0  1  0 ]
#   u2 [  0  1  1  0 ]
#
# Item columns: i0 = {u0, u1}, i1 = {u0, u2}, i2 = {u1, u2}, i3 = {u0}; norms sqrt2, sqrt2, sqrt2, 1.
# cos(i0, i1) = cos(i0, i2) = cos(i1, i2) = 1 / (sqrt2 * sqrt2) = 0.5   (one co-rater each)
# cos(i0, i3) = cos(i1, i3) = 1 / (sqrt2 * 1) = 0.7071                  (co-rater u0)
# cos(i2, i3) = 0                                                          (no co-rater)
SMALL = sp.csr_matrix(
    np.array(
        [
            [1, 1, 0, 1],
            [1, 0, 1, 0],
            [0, 1, 1, 0],
        ],
        dtype=np.float32,
    )
)
HALF, ROOT_HALF = 0.5, 1 / math.sqrt(2)

# 7 users x 3 items, for shrinkage: i0 = {u0, u1, u2}, i1 = {u0, u1, u3, u4, u5, u6}, i2 = {u0}.
# cos(i0, i1) = 2 / (sqrt3 * sqrt6) = 0.4714 with n = 2 co-raters (u0, u1)
# cos(i0, i2) = 1 / sqrt3          = 0.5774 with n = 1 (u0)
# cos(i1, i2) = 1 / sqrt6          = 0.4082 with n = 1 (u0)
# With shrinkage 2, n / (n + 2) scales them by 2/4, 1/3 and 1/3:
# 0.4714 * 0.5 = 0.2357 now beats 0.5774 / 3 = 0.1925 for i0's first place.
SHRINK = sp.csr_matrix(
    np.array(
        [
            [1, 1, 1],
            [1, 1, 0],
            [1, 0, 0],
            [0, 1, 0],
            [0, 1, 0],
            [0, 1, 0],
            [0, 1, 0],
        ],
        dtype=np.float32,
    )
)


def neighbours(matrix: sp.csr_matrix, item: int) -> list[tuple[int, float]]:
    """Row `item` as (neighbour, score), best first, ties by lower index."""
    row = matrix.getrow(item)
    pairs = sorted(zip(row.indices.tolist(), row.data.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
    return [(j, pytest.approx(s, rel=1e-6)) for j, s in pairs]


def test_neighbours_and_scores_by_hand():
    result = item_neighbors(SMALL, k=3)

    assert isinstance(result, sp.csr_matrix)
    assert result.shape == (4, 4)
    assert result.dtype == np.float32
    assert neighbours(result, 0) == [(3, ROOT_HALF), (1, HALF), (2, HALF)]
    assert neighbours(result, 1) == [(3, ROOT_HALF), (0, HALF), (2, HALF)]
    assert neighbours(result, 2) == [(0, HALF), (1, HALF)]  # i3 shares no rater: 0, dropped
    assert neighbours(result, 3) == [(0, ROOT_HALF), (1, ROOT_HALF)]  # likewise i2


def test_an_item_is_never_its_own_neighbour():
    result = item_neighbors(SMALL, k=10)

    assert result.diagonal().tolist() == [0.0] * 4
    assert result.nnz == 10  # 12 ordered pairs, less (i2, i3) and (i3, i2)


def test_k_keeps_the_best_k():
    result = item_neighbors(SMALL, k=2)

    assert neighbours(result, 0) == [(3, ROOT_HALF), (1, HALF)]
    assert neighbours(result, 3) == [(0, ROOT_HALF), (1, ROOT_HALF)]
    assert np.diff(result.indptr).tolist() == [2, 2, 2, 2]


def test_ties_at_the_kth_place_go_to_the_lower_item():
    result = item_neighbors(SMALL, k=1)

    assert neighbours(result, 0) == [(3, ROOT_HALF)]
    assert neighbours(result, 2) == [(0, HALF)]  # i0 and i1 both 0.5
    assert neighbours(result, 3) == [(0, ROOT_HALF)]  # i0 and i1 both 0.7071


def test_zero_and_negative_similarities_are_dropped():
    # Explicit (mean-centred) values: i0 = (1, 1), i1 = (-1, 1), i2 = (1, 0), each column normalised.
    # cos(i0, i1) = (-1 + 1) / 2 = 0; cos(i0, i2) = 1 / sqrt2; cos(i1, i2) = -1 / sqrt2.
    matrix = sp.csr_matrix(np.array([[1, -1, 1], [1, 1, 0]], dtype=np.float32))

    result = item_neighbors(matrix, k=2)

    assert neighbours(result, 0) == [(2, ROOT_HALF)]
    assert neighbours(result, 1) == []
    assert neighbours(result, 2) == [(0, ROOT_HALF)]


def test_shrinkage_scales_by_co_raters():
    plain = item_neighbors(SHRINK, k=2)
    shrunk = item_neighbors(SHRINK, k=2, shrinkage=2.0)

    root3, root6 = math.sqrt(3), math.sqrt(6)
    assert neighbours(plain, 0) == [(2, 1 / root3), (1, 2 / (root3 * root6))]
    assert neighbours(shrunk, 0) == [(1, 2 / (root3 * root6) * 2 / 4), (2, 1 / root3 * 1 / 3)]
    assert neighbours(shrunk, 1) == [(0, 2 / (root3 * root6) * 2 / 4), (2, 1 / root6 * 1 / 3)]
    assert neighbours(shrunk, 2) == [(0, 1 / root3 * 1 / 3), (1, 1 / root6 * 1 / 3)]


def test_k_larger_than_the_catalogue_keeps_every_positive_pair():
    assert (item_neighbors(SMALL, k=100) != item_neighbors(SMALL, k=3)).nnz == 0


def test_k_zero_and_empty_inputs_give_empty_matrices():
    assert item_neighbors(SMALL, k=0).nnz == 0
    assert item_neighbors(sp.csr_matrix((3, 4), dtype=np.float32), k=5).shape == (4, 4)
    assert item_neighbors(sp.csr_matrix((0, 0), dtype=np.float32), k=5).shape == (0, 0)


def test_an_item_nobody_rated_has_no_neighbours_and_is_nobodys_neighbour():
    matrix = sp.hstack([SMALL, sp.csr_matrix((3, 1), dtype=np.float32)]).tocsr()

    result = item_neighbors(matrix, k=3)

    assert result.getrow(4).nnz == 0
    assert result.getcol(4).nnz == 0
    assert (result[:4, :4] != item_neighbors(SMALL, k=3)).nnz == 0


def random_ratings(seed: int, *, n_users: int = 12, n_items: int = 60, binary: bool = True) -> sp.csr_matrix:
    """Few users, so many items share raters and many similarities tie exactly."""
    rng = np.random.default_rng(seed)
    dense = (rng.random((n_users, n_items)) < 0.15) * (1.0 if binary else rng.integers(-2, 3, (n_users, n_items)))
    matrix = sp.csr_matrix(dense.astype(np.float32))
    matrix.eliminate_zeros()
    return matrix


def brute_force(matrix: sp.csr_matrix, k: int, shrinkage: float = 0.0) -> dict[int, list[tuple[int, float]]]:
    """Every row's full similarity list (scipy's sparse product: the same float32 sums), sorted in Python."""
    by_item = normalize(matrix.T.tocsr().astype(np.float32), axis=1)
    sims = (by_item @ by_item.T.tocsr()).toarray()
    if shrinkage:
        co_raters = (by_item != 0).astype(np.float32)
        co_raters = (co_raters @ co_raters.T).toarray()
        sims *= co_raters / (co_raters + np.float32(shrinkage))
    result = {}
    for i, row in enumerate(sims):
        ranked = sorted((j for j in range(len(row)) if j != i and row[j] > 0), key=lambda j: (-row[j], j))
        result[i] = [(j, float(row[j])) for j in ranked[:k]]
    return result


@pytest.mark.parametrize(
    ("seed", "k", "shrinkage", "binary"),
    [(0, 3, 0.0, True), (1, 7, 0.0, True), (2, 5, 1.5, True), (3, 4, 0.0, False), (4, 6, 2.0, False)],
)
def test_matches_a_brute_force_ranking(seed, k, shrinkage, binary):
    matrix = random_ratings(seed, binary=binary)

    result = item_neighbors(matrix, k=k, shrinkage=shrinkage)

    expected = brute_force(matrix, k, shrinkage)
    for item in range(matrix.shape[1]):
        row = result.getrow(item)
        got = sorted(zip(row.indices.tolist(), row.data.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
        assert got == expected[item], item


def dense_and_sparse_rows(seed: int, *, binary: bool) -> sp.csr_matrix:
    """40 users x 300 items: three heavy users rate most of items 0-149 (rows the kernel scans whole),
    the rest few items each (rows it revisits pair by pair); items 200-209 copy item 190's raters, so
    their scores tie exactly, at every place."""
    rng = np.random.default_rng(seed)
    rated = rng.random((40, 300)) < 0.03
    rated[:3, :150] = rng.random((3, 150)) < 0.6
    rated[:, 200:210] = rated[:, [190]]
    values = np.ones((40, 300)) if binary else rng.integers(-2, 3, (40, 300))
    values[:, 200:210] = values[:, [190]]
    matrix = sp.csr_matrix((rated * values).astype(np.float32))
    matrix.eliminate_zeros()
    return matrix


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("shrinkage", [0.0, 2.5])
@pytest.mark.parametrize("k", [1, 4, 30, 299])
def test_fused_kernel_equals_a_plain_reference_on_scanned_and_sparse_rows(binary, shrinkage, k):
    matrix = dense_and_sparse_rows(7, binary=binary)
    by_item = matrix.T.tocsr()
    reach = np.asarray((by_item != 0) @ np.diff(matrix.indptr)).ravel()  # multiply-adds per row
    scanned = reach * knn_kernel._SCAN_FACTOR > matrix.shape[1]
    assert 20 < scanned.sum() < 280  # both ways of finding a row's touched items are exercised

    result = item_neighbors(matrix, k=k, shrinkage=shrinkage, block_bytes=50_000)
    block = knn.item_neighbors_block(matrix, 120, 230, k=k, shrinkage=shrinkage)

    expected = brute_force(matrix, k, shrinkage)
    assert result.has_sorted_indices
    for item in range(matrix.shape[1]):
        row = result.getrow(item)
        got = sorted(zip(row.indices.tolist(), row.data.tolist(), strict=True), key=lambda p: (-p[1], p[0]))
        assert got == expected[item], item
    assert np.array_equal(block[0], np.repeat(np.arange(120, 230), np.diff(result.indptr)[120:230]))
    assert np.array_equal(block[1], result.indices[result.indptr[120] : result.indptr[230]])
    assert np.array_equal(block[2], result.data[result.indptr[120] : result.indptr[230]])


@pytest.mark.parametrize("block_bytes", [1, 5_000, 200_000, knn.BLOCK_BYTES])
def test_results_do_not_depend_on_block_size(block_bytes):
    matrix = random_ratings(5, n_users=20, n_items=150)
    reference = item_neighbors(matrix, k=8, shrinkage=1.0, block_bytes=10**9)

    result = item_neighbors(matrix, k=8, shrinkage=1.0, block_bytes=block_bytes)

    assert (result != reference).nnz == 0
    assert np.array_equal(result.indptr, reference.indptr)


def test_on_block_reports_progress_after_each_block():
    matrix = random_ratings(6, n_items=50)
    done = []

    item_neighbors(matrix, k=5, block_bytes=1, on_block=done.append)

    assert len(done) > 1
    assert done == sorted(set(done))
    assert done[-1] == 50


def test_on_block_is_called_once_for_a_single_block():
    done = []

    item_neighbors(SMALL, k=2, on_block=done.append)

    assert done == [4]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_values_are_refused(bad):
    # scikit-learn's normalize refuses them, before any similarity is computed.
    matrix = SMALL.copy()
    matrix.data[0] = bad

    with pytest.raises(ValueError, match=r"NaN|infinity"):
        item_neighbors(matrix, k=2)


@pytest.mark.parametrize("shrinkage", [0.0, 2.0])
@pytest.mark.parametrize("bounds", [(0, 7, 23, 40), (0, 1, 39, 40), (0, 40)])
def test_blocks_of_items_computed_apart_put_together_equal_the_whole_fit(shrinkage, bounds):
    rng = np.random.default_rng(3)
    interactions = sp.csr_matrix((rng.random((70, 40)) < 0.2).astype(np.float32))

    parts = [
        knn.item_neighbors_block(interactions, a, b, k=6, shrinkage=shrinkage) for a, b in itertools.pairwise(bounds)
    ]
    rows, cols, scores = (np.concatenate(part) for part in zip(*parts, strict=True))
    assembled = sp.csr_matrix((scores, (rows, cols)), shape=(40, 40))

    np.testing.assert_array_equal(assembled.toarray(), item_neighbors(interactions, k=6, shrinkage=shrinkage).toarray())

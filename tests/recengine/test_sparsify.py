import numpy as np

from recengine.sparsify import block_rows, top_k_rows


def triples(block, **kwargs):
    rows, cols, weights = top_k_rows(np.array(block, dtype=np.float64), **kwargs)
    return list(zip(rows.tolist(), cols.tolist(), weights.tolist(), strict=True))


def test_the_k_largest_of_each_row_without_the_diagonal_or_zeros():
    block = [[9, 1, 3, 2], [5, 9, 0, 0], [0, 0, 9, 0]]

    assert triples(block, start=0, k=2) == [(0, 2, 3), (0, 3, 2), (1, 0, 5)]


def test_rows_of_a_later_block_skip_their_own_item():
    assert triples([[1, 2, 8, 4]], start=2, k=2) == [(2, 3, 4), (2, 1, 2)]


def test_ties_go_to_the_lower_column():
    assert triples([[0, 1, 1, 1, 1]], start=0, k=2) == [(0, 1, 1), (0, 2, 1)]


def test_absolute_keeps_strong_negative_weights_positive_drops_them():
    block = [[0, -5, 1, 2]]

    assert triples(block, start=0, k=2, absolute=True) == [(0, 1, -5), (0, 3, 2)]
    assert triples(block, start=0, k=2) == [(0, 3, 2), (0, 2, 1)]


def test_wide_rows_match_a_full_sort():
    rng = np.random.default_rng(0)
    block = np.round(rng.standard_normal((20, 3000)), 2)  # many ties

    rows, cols, weights = top_k_rows(block, start=5, k=7, absolute=True)

    for row in range(20):
        key = np.abs(block[row])
        key[row + 5] = 0
        expected = np.lexsort((np.arange(3000), -key))[:7]
        assert cols[rows == row + 5].tolist() == expected.tolist()
        assert weights[rows == row + 5].tolist() == block[row, expected].tolist()


def test_block_rows_cover_the_rows_within_the_byte_budget():
    assert block_rows(10, block_bytes=8 * 10 * 4) == [(0, 4), (4, 8), (8, 10)]
    assert block_rows(0) == []

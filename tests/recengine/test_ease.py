import numpy as np
import pytest
import scipy.sparse as sp

from recengine import ease
from recengine.ease import Ease, EaseParams, ease_lists

# 2 users x 2 items: X = [[1, 1], [1, 0]], l2 = 1:
# G = X'X + I = [[3, 1], [1, 2]], P = G^-1 = [[2, -1], [-1, 3]] / 5,
# B_01 = -P_01 / P_11 = 1/3 and B_10 = -P_10 / P_00 = 1/2.
TINY = sp.csr_matrix(np.array([[1, 1], [1, 0]], dtype=np.float32))


def closed_form(matrix: np.ndarray, l2: float) -> np.ndarray:
    """B = I - P diag(1/diag(P)) over the items with a rating (zero elsewhere), with numpy's inverse."""
    rated = np.flatnonzero(np.abs(matrix).sum(axis=0))
    x = matrix[:, rated]
    inverse = np.linalg.inv(x.T @ x + l2 * np.eye(len(rated)))
    weights = -inverse / np.diag(inverse)
    np.fill_diagonal(weights, 0.0)
    full = np.zeros((matrix.shape[1],) * 2)
    full[np.ix_(rated, rated)] = weights
    return full


def random_matrix(seed: int, n_users: int = 50, n_items: int = 30) -> np.ndarray:
    rng = np.random.default_rng(seed)
    matrix = (rng.random((n_users, n_items)) < 0.2) * rng.choice([0.5, 1.0, -0.5], (n_users, n_items))
    matrix[:, 7] = 0.0  # an item nobody rated
    return matrix.astype(np.float32)


def test_weights_by_hand():
    assert np.allclose(ease_lists(TINY, k=1, l2=1.0).toarray(), [[0, 1 / 3], [1 / 2, 0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_room_for_every_weight_the_lists_are_the_closed_form(seed):
    matrix = random_matrix(seed)

    lists = ease_lists(sp.csr_matrix(matrix), k=29, l2=3.0)

    assert np.allclose(lists.toarray(), closed_form(matrix, 3.0), atol=1e-6)
    assert lists[7].nnz == 0
    assert lists[:, 7].nnz == 0


@pytest.mark.parametrize(("keep", "order"), [("absolute", np.abs), ("positive", lambda weights: weights)])
def test_each_row_keeps_its_k_largest_weights(keep, order):
    matrix = random_matrix(3)
    expected = closed_form(matrix, 3.0)

    lists = ease_lists(sp.csr_matrix(matrix), k=4, l2=3.0, keep=keep).toarray()

    for item in range(30):
        kept = np.flatnonzero(lists[item])
        assert len(kept) == (0 if item == 7 else 4)
        assert np.allclose(lists[item, kept], expected[item, kept], atol=1e-6)
        if len(kept):
            assert order(expected[item, kept]).min() >= np.delete(order(expected[item]), kept).max() - 1e-6
        if keep == "positive":
            assert (lists[item] >= 0).all()


def test_catalogues_over_the_limit_are_refused_with_what_to_use_instead(monkeypatch):
    monkeypatch.setattr(ease, "MAX_EASE_ITEMS", 29)
    matrix = sp.csr_matrix(np.ones((2, 31), dtype=np.float32))

    with pytest.raises(ValueError, match=r"EASE handles at most 29 rated items .* has 31: use rp3beta or item-knn"):
        ease_lists(matrix, k=5, l2=1.0)
    matrix[:, 30] = 0  # items nobody rated do not count
    matrix[:, 29] = 0
    matrix.eliminate_zeros()
    assert ease_lists(matrix, k=5, l2=1.0).nnz == 29 * 5


def test_fit_reports_progress_up_to_every_item():
    users, items = TINY.nonzero()
    done = []

    model = Ease.fit(users, items, np.array([5.0, 4.0, 3.0]), n_users=2, n_items=3, on_progress=done.append)

    assert done[-1] == 3
    assert model.lists.shape == (3, 3)
    assert Ease.name == "ease"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"k": 0}, "--neighbors must be at least 1"),
        ({"l2": 0.0}, "--l2 must be positive"),
        ({"keep": "all"}, "unknown --keep 'all': use 'absolute' or 'positive'"),
        ({"dislike_threshold": 5.0}, "--dislike-threshold"),
    ],
)
def test_bad_parameters_are_refused_with_the_option_named(fields, message):
    with pytest.raises(ValueError, match=message):
        EaseParams(**fields)

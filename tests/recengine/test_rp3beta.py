import math

import numpy as np
import pytest
import scipy.sparse as sp

from recengine.matrix import Likes
from recengine.rp3beta import Rp3Beta, Rp3Params, rp3beta_lists

# 3 users x 4 items (1 = rated):
#
#        i0 i1 i2 i3
#   u0 [  1  1  0  1 ]      a user's step to an item: 1/3 each from u0, 1/2 each from u1 and u2
#   u1 [  1  0  1  0 ]      an item's step to a user: 1/2 each from i0, i1, i2; 1 from i3 (to u0)
#   u2 [  0  1  1  0 ]      popularity (raters): 2, 2, 2, 1
#
# Walks from i0: via u0 (1/2 x 1/3) to i0, i1, i3 and via u1 (1/2 x 1/2) to i0, i2:
# i1 1/6, i2 1/4, i3 1/6; divided by popularity^beta.
SMALL = sp.csr_matrix(np.array([[1, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 0]], dtype=np.float32))


def row(matrix: sp.csr_matrix, item: int) -> list[tuple[int, float]]:
    pairs = zip(matrix[item].indices.tolist(), matrix[item].data.tolist(), strict=True)
    return sorted(((int(i), round(w, 4)) for i, w in pairs), key=lambda pair: (-pair[1], pair[0]))


def test_walk_weights_by_hand():
    lists = rp3beta_lists(SMALL, k=3, alpha=1.0, beta=0.5)

    root2 = math.sqrt(2)
    assert row(lists, 0) == [(2, round(0.25 / root2, 4)), (3, round(1 / 6, 4)), (1, round(1 / 6 / root2, 4))]
    assert row(lists, 3) == [(0, round(1 / 3 / root2, 4)), (1, round(1 / 3 / root2, 4))]  # i3's only rater is u0


def test_k_keeps_the_largest_weights_with_ties_to_the_lower_item():
    lists = rp3beta_lists(SMALL, k=2, alpha=1.0, beta=0.0)

    assert row(lists, 0) == [(2, 0.25), (1, round(1 / 6, 4))]  # i1 and i3 tie at 1/6: i1 is kept
    assert row(lists, 3) == [(0, round(1 / 3, 4)), (1, round(1 / 3, 4))]
    assert lists.diagonal().tolist() == [0, 0, 0, 0]


def test_alpha_raises_each_step_probability():
    lists = rp3beta_lists(SMALL, k=3, alpha=2.0, beta=0.0)

    # i0 -> i2: u1 only, (1/2)^2 x (1/2)^2; i0 -> i1: u0 only, (1/2)^2 x (1/3)^2
    assert dict(row(lists, 0))[2] == round(1 / 16, 4)
    assert dict(row(lists, 0))[1] == round(1 / 36, 4)


def test_negative_weights_take_no_part_in_the_walk_and_unrated_items_have_no_list():
    with_dislike = SMALL.toarray()
    with_dislike[2, 3] = -1.0
    wider = sp.csr_matrix(np.hstack([with_dislike, np.zeros((3, 1), dtype=np.float32)]))

    lists = rp3beta_lists(wider, k=3, alpha=1.0, beta=0.5)

    assert (lists[:4, :4] != rp3beta_lists(SMALL, k=3, alpha=1.0, beta=0.5)).nnz == 0
    assert lists[4].nnz == 0
    assert lists[:, 4].nnz == 0


def test_fit_weighs_ratings_by_the_likes_and_reports_progress():
    users, items = SMALL.nonzero()
    values = np.where(items == 3, 3.0, 5.0)  # i3 rated below the like threshold
    done = []

    model = Rp3Beta.fit(
        users, items, values, n_users=3, n_items=4, params=Rp3Params(k=3, alpha=1.0, beta=0.5, low_weight=0.5),
        on_progress=done.append,
    )  # fmt: skip

    weights = sp.csr_matrix((Likes(low_weight=0.5).weights(values), (users, items)), shape=(3, 4))
    assert (model.lists != rp3beta_lists(weights, k=3, alpha=1.0, beta=0.5)).nnz == 0
    assert done == [4]
    assert Rp3Beta.name == "rp3beta"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"k": 0}, "--neighbors must be at least 1"),
        ({"alpha": 0.0}, "--alpha must be positive"),
        ({"beta": 1.5}, "--beta must be between 0 and 1"),
        ({"popularity_prior": -1.0}, "--popularity-prior must not be negative"),
        ({"low_weight": 2.0}, "--low-weight must be between 0 and 1"),
    ],
)
def test_bad_parameters_are_refused_with_the_option_named(fields, message):
    with pytest.raises(ValueError, match=message):
        Rp3Params(**fields)

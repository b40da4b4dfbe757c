import numpy as np
import pytest

from recengine.matrix import interaction_matrix, user_weights

USERS = np.array([0, 0, 1, 1, 1])
ITEMS = np.array([0, 2, 0, 1, 2])
VALUES = np.array([5.0, 3.0, 2.0, 4.0, 3.0])


def test_implicit_keeps_ratings_at_or_above_the_threshold_as_ones():
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, mode="implicit", threshold=3.0)
    assert matrix.toarray().tolist() == [[1, 0, 1], [0, 1, 1]]


def test_implicit_with_no_threshold_keeps_every_rating():
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=3, n_items=3)
    assert matrix.toarray().tolist() == [[1, 0, 1], [1, 1, 1], [0, 0, 0]]


def test_explicit_centres_each_users_ratings_on_their_mean():
    # user 0: mean 4 -> +1, -1; user 1: mean 3 -> -1, +1, 0 (dropped: a zero carries nothing)
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, mode="explicit")
    assert matrix.toarray().tolist() == [[1, 0, -1], [-1, 1, 0]]
    assert matrix.nnz == 4


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode 'fancy'"):
        interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, mode="fancy")


def test_user_weights_match_the_matrix_rows():
    assert user_weights(np.array([2.0, 4.0, 3.0]), mode="explicit").tolist() == [-1, 1, 0]
    assert user_weights(np.array([2.0, 4.0]), mode="implicit", threshold=3.0).tolist() == [0, 1]

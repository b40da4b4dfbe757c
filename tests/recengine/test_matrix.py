import numpy as np
import pytest

from recengine.matrix import Likes, interaction_matrix, user_weights

USERS = np.array([0, 0, 1, 1, 1])
ITEMS = np.array([0, 2, 0, 1, 2])
VALUES = np.array([5.0, 3.0, 2.0, 4.0, 3.0])


def test_likes_weigh_one_lower_ratings_the_low_weight_and_dislikes_the_dislike_weight():
    likes = Likes(like_threshold=4.0, low_weight=0.5, dislike_threshold=2.0, dislike_weight=-0.25)

    assert likes.weights(np.array([5.0, 4.0, 3.5, 2.5, 2.0, 0.5])).tolist() == [1, 1, 0.5, 0.5, -0.25, -0.25]
    assert likes.liked(np.array([5.0, 4.0, 3.5, 2.0])).tolist() == [True, True, False, False]


def test_the_matrix_holds_each_ratings_weight_and_drops_zero_weights():
    likes = Likes(low_weight=0.5, dislike_threshold=2.0, dislike_weight=0.0)
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=3, n_items=3, likes=likes)

    assert matrix.toarray().tolist() == [[1, 0, 0.5], [0, 1, 0.5], [0, 0, 0]]
    assert matrix.nnz == 4  # the 2.0 is a dislike of weight 0: not stored


def test_with_a_low_weight_of_one_and_no_dislikes_every_rating_counts_as_one():
    likes = Likes(low_weight=1.0, dislike_threshold=0.0)
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, likes=likes)
    assert matrix.toarray().tolist() == [[1, 0, 1], [1, 1, 1]]


def test_by_default_ratings_below_a_like_count_less_and_dislikes_not_at_all():
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3)
    assert matrix.toarray().tolist() == [[1, 0, 0.75], [0, 1, 0.75]]


def test_explicit_centres_each_users_ratings_on_their_mean():
    # user 0: mean 4 -> +1, -1; user 1: mean 3 -> -1, +1, 0 (dropped: a zero carries nothing)
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, mode="explicit")
    assert matrix.toarray().tolist() == [[1, 0, -1], [-1, 1, 0]]
    assert matrix.nnz == 4


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown mode 'fancy'"):
        interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, mode="fancy")


def test_user_weights_match_the_matrix_rows():
    likes = Likes(low_weight=0.25, dislike_threshold=1.0)
    assert user_weights(np.array([2.0, 4.0, 3.0]), mode="explicit").tolist() == [-1, 1, 0]
    assert user_weights(np.array([2.0, 4.0, 1.0]), likes=likes).tolist() == [0.25, 1, 0]
    matrix = interaction_matrix(USERS, ITEMS, VALUES, n_users=2, n_items=3, likes=likes)
    assert matrix[1, [0, 1, 2]].toarray().ravel().tolist() == user_weights(VALUES[2:], likes=likes).tolist()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"low_weight": 1.5}, "--low-weight must be between 0 and 1"),
        ({"low_weight": -0.1}, "--low-weight must be between 0 and 1"),
        ({"dislike_threshold": 4.0}, r"--dislike-threshold \(4.0\) must be below --like-threshold \(4.0\)"),
        ({"dislike_weight": -2.0}, "--dislike-weight must be between -1 and --low-weight"),
        ({"low_weight": 0.2, "dislike_weight": 0.5}, "--dislike-weight must be between -1 and --low-weight"),
    ],
)
def test_weights_that_make_no_sense_are_refused_with_the_option_named(fields, message):
    with pytest.raises(ValueError, match=message):
        Likes(**fields)

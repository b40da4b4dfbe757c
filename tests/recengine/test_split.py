import numpy as np
import pytest

from recengine.split import leave_one_out, random_holdout, split


def test_random_holdout_takes_a_fifth_of_each_users_ratings_rounded_half_up():
    users = np.repeat([0, 1, 2, 3], [10, 3, 1, 2])  # 20% of 10, 3, 1, 2 -> 2, 1 (0.6), 0 (one rating), 0 (0.4)

    test = random_holdout(users, fraction=0.2, seed=0)

    assert np.bincount(users[test], minlength=4).tolist() == [2, 1, 0, 0]


def test_random_holdout_depends_only_on_the_seed():
    users = np.repeat(np.arange(50), 20)
    assert np.array_equal(random_holdout(users, seed=3), random_holdout(users, seed=3))
    assert not np.array_equal(random_holdout(users, seed=3), random_holdout(users, seed=4))


def test_leave_one_out_holds_out_each_users_latest_rating():
    users = np.array([0, 0, 0, 1, 1, 2])
    stamps = np.array([5, 9, 7, 3, 3, 1])  # user 1's two ratings share a time: the later line wins

    test = leave_one_out(users, stamps)

    assert test.tolist() == [False, True, False, False, True, False]  # user 2 has one rating: kept for training


def test_unknown_protocol_is_refused():
    with pytest.raises(ValueError, match="unknown protocol 'k-fold'"):
        split("k-fold", np.array([0]), np.array([0]))

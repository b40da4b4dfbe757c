import numpy as np
import pytest

from recengine.split import leave_one_out, random_holdout, split, time_holdout, validation_split


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
    with pytest.raises(ValueError, match="unknown protocol 'k-fold': use random-80-20 or time-80-20 or leave-one-out"):
        split("k-fold", np.array([0]), np.array([0]))


def test_time_holdout_takes_each_users_latest_fifth_rounded_half_up():
    users = np.array([0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3])
    stamps = np.array([9, 1, 8, 2, 3, 5, 6, 4, 1, 2, 7])  # 5 ratings -> 1, 3 -> 1 (0.6), 2 -> 0 (0.4), 1 -> 0

    test = time_holdout(users, stamps)

    assert np.flatnonzero(test).tolist() == [0, 6]


def test_time_holdout_breaks_equal_timestamps_by_file_order_and_keeps_a_single_rating():
    users = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    stamps = np.array([5, 5, 5, 5, 5, 1, 1, 1, 1, 1, 3])  # 10 ratings -> 2 held out: the last two lines at time 5

    test = time_holdout(users, stamps)

    assert np.flatnonzero(test).tolist() == [3, 4]
    assert split("time-80-20", users, stamps).tolist() == test.tolist()


def test_validation_split_splits_the_training_part_again_by_the_same_protocol():
    users = np.repeat(np.arange(3), 10)
    stamps = np.tile(np.arange(10), 3)  # each user's ratings in time order

    fit, validation = validation_split("time-80-20", users, stamps)

    test = split("time-80-20", users, stamps)
    assert not (validation & test).any()
    assert not (fit & test).any()
    assert not (fit & validation).any()
    assert (fit | validation | test).all()
    # test: times 8, 9; the training part's 8 ratings hold out 2 more for validation: times 6, 7
    assert sorted(set(stamps[validation].tolist())) == [6, 7]
    assert np.bincount(users[validation]).tolist() == [2, 2, 2]


def test_random_validation_split_never_touches_the_test_part():
    users = np.repeat(np.arange(40), 12)
    stamps = np.zeros(len(users), dtype=np.int64)

    fit, validation = validation_split("random-80-20", users, stamps, seed=0)

    test = random_holdout(users, seed=0)
    assert not (validation & test).any()
    assert not (fit & test).any()
    assert np.bincount(users[validation]).tolist() == [2] * 40  # 20% of the 10 training ratings

"""Train/test splits of rating triples for offline evaluation (docs/EVALUATION.md gives the protocols)."""

import numpy as np

PROTOCOLS = ("random-80-20", "leave-one-out")


def random_holdout(user_idx: np.ndarray, *, fraction: float = 0.2, seed: int = 0) -> np.ndarray:
    """Test mask: for each user, a random `fraction` of their ratings (rounded half up; users with
    one rating keep it for training)."""
    n = len(user_idx)
    keys = np.random.default_rng(seed).random(n)
    order = np.lexsort((keys, user_idx))
    counts = np.bincount(user_idx)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n) - starts[user_idx[order]]
    n_test = np.floor(counts * fraction + 0.5).astype(np.int64)
    n_test[counts < 2] = 0
    return position < n_test[user_idx]


def leave_one_out(user_idx: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """Test mask: each user's latest rating (the later line on equal timestamps); users with one
    rating keep it for training."""
    n = len(user_idx)
    order = np.lexsort((np.arange(n), timestamps, user_idx))  # last of each user's run is the latest
    sorted_users = user_idx[order]
    last = np.ones(n, dtype=bool)
    last[:-1] = sorted_users[:-1] != sorted_users[1:]
    test = np.zeros(n, dtype=bool)
    test[order[last]] = True
    test &= np.bincount(user_idx)[user_idx] >= 2
    return test


def split(protocol: str, user_idx: np.ndarray, timestamps: np.ndarray, *, seed: int = 0) -> np.ndarray:
    if protocol == "random-80-20":
        return random_holdout(user_idx, fraction=0.2, seed=seed)
    if protocol == "leave-one-out":
        return leave_one_out(user_idx, timestamps)
    raise ValueError(f"unknown protocol {protocol!r}: use {' or '.join(PROTOCOLS)}")

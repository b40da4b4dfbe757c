"""Train/test splits of rating triples for offline evaluation (docs/EVALUATION.md gives the protocols).

Every function returns a boolean test mask over the rating rows; the training part is its complement.
"""

import numpy as np

PROTOCOLS = ("random-80-20", "time-80-20", "leave-one-out")
HOLDOUT_FRACTION = 0.2


def _positions(user_idx: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's place among its user's rows in `order` (a permutation grouping rows by user), and
    each row's user's rating count."""
    n = len(user_idx)
    counts = np.bincount(user_idx) if n else np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n) - starts[user_idx[order]]
    return position, counts[user_idx]


def _holdout_size(counts: np.ndarray, fraction: float) -> np.ndarray:
    """`fraction` of each count, rounded half up; 0 for a user with a single rating."""
    n_test = np.floor(counts * fraction + 0.5).astype(np.int64)
    n_test[counts < 2] = 0
    return n_test


def random_holdout(user_idx: np.ndarray, *, fraction: float = HOLDOUT_FRACTION, seed: int = 0) -> np.ndarray:
    """Test mask: for each user, a random `fraction` of their ratings (rounded half up; users with
    one rating keep it for training)."""
    keys = np.random.default_rng(seed).random(len(user_idx))
    position, counts = _positions(user_idx, np.lexsort((keys, user_idx)))
    return position < _holdout_size(counts, fraction)


def time_holdout(user_idx: np.ndarray, timestamps: np.ndarray, *, fraction: float = HOLDOUT_FRACTION) -> np.ndarray:
    """Test mask: for each user, the latest `fraction` of their ratings by timestamp (rounded half up;
    on equal timestamps the later line of the file counts as later; users with one rating keep it)."""
    n = len(user_idx)
    position, counts = _positions(user_idx, np.lexsort((np.arange(n), timestamps, user_idx)))
    return position >= counts - _holdout_size(counts, fraction)


def leave_one_out(user_idx: np.ndarray, timestamps: np.ndarray) -> np.ndarray:
    """Test mask: each user's latest rating (the later line on equal timestamps); users with one
    rating keep it for training."""
    n = len(user_idx)
    position, counts = _positions(user_idx, np.lexsort((np.arange(n), timestamps, user_idx)))
    return (position == counts - 1) & (counts >= 2)


def split(protocol: str, user_idx: np.ndarray, timestamps: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """The test mask of a protocol by name (PROTOCOLS); `seed` matters to random-80-20 only."""
    if protocol == "random-80-20":
        return random_holdout(user_idx, fraction=HOLDOUT_FRACTION, seed=seed)
    if protocol == "time-80-20":
        return time_holdout(user_idx, timestamps, fraction=HOLDOUT_FRACTION)
    if protocol == "leave-one-out":
        return leave_one_out(user_idx, timestamps)
    raise ValueError(f"unknown protocol {protocol!r}: use {' or '.join(PROTOCOLS)}")


def validation_split(
    protocol: str, user_idx: np.ndarray, timestamps: np.ndarray, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(fit, validation) masks for choosing hyper-parameters without looking at the test part: the
    protocol's training part split again by the same protocol (random-80-20 draws with seed + 1).
    Both masks are False on every test row."""
    test = split(protocol, user_idx, timestamps, seed=seed)
    rows = np.flatnonzero(~test)
    inner = split(protocol, user_idx[rows], timestamps[rows], seed=seed + 1)
    validation = np.zeros(len(user_idx), dtype=bool)
    validation[rows[inner]] = True
    return ~test & ~validation, validation

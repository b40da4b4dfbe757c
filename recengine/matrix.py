"""User x item matrices built from rating triples."""

from typing import Literal

import numpy as np
import scipy.sparse as sp

Mode = Literal["implicit", "explicit"]


def interaction_matrix(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    values: np.ndarray,
    *,
    n_users: int,
    n_items: int,
    mode: Mode = "implicit",
    threshold: float = 0.0,
) -> sp.csr_matrix:
    """The users x items matrix the similarities and the scores are computed from.

    implicit: 1.0 where the rating is at least `threshold`, nothing elsewhere (0.0 keeps every rating).
    explicit: the rating minus that user's mean rating, so a user's likes and dislikes pull apart.
    """
    values = np.asarray(values, dtype=np.float64)
    if mode == "implicit":
        keep = values >= threshold
        data = np.ones(int(keep.sum()), dtype=np.float32)
        rows, cols = user_idx[keep], item_idx[keep]
    elif mode == "explicit":
        sums = np.bincount(user_idx, weights=values, minlength=n_users)
        counts = np.maximum(np.bincount(user_idx, minlength=n_users), 1)
        data = (values - (sums / counts)[user_idx]).astype(np.float32)
        rows, cols = user_idx, item_idx
    else:
        raise ValueError(f"unknown mode {mode!r}: use 'implicit' or 'explicit'")
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(n_users, n_items), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def user_weights(values: np.ndarray, *, mode: Mode, threshold: float = 0.0) -> np.ndarray:
    """One user's row of `interaction_matrix`, for a user who was not in the training data."""
    values = np.asarray(values, dtype=np.float64)
    if mode == "implicit":
        return (values >= threshold).astype(np.float32)
    return (values - values.mean()).astype(np.float32) if len(values) else values.astype(np.float32)

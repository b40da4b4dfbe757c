"""User x item matrices built from rating triples, and how much each rating weighs in them."""

from dataclasses import asdict, dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

Mode = Literal["implicit", "explicit"]


@dataclass(frozen=True)
class Likes:
    """How much a rating counts as positive signal.

    A rating at or above `like_threshold` is a like: weight 1, and the only kind evidence may cite. One
    below it weighs `low_weight` (it still says the user chose the item), and one at or below
    `dislike_threshold` weighs `dislike_weight` (negative: it pushes its neighbours down; 0: ignored).
    Each algorithm's Params extends this class and may choose its own defaults. Offline evaluation
    (benchmarks/algorithm_grid.py) chose these: ratings below 4 count at 0.75 (at 1, EASE loses NDCG@10
    against both every held-out rating and the liked ones; at 0.5 it gains on the liked ones but loses
    more on all), and ratings of 2.5 or less are ignored (counting them loses; a negative weight loses
    on both).
    """

    like_threshold: float = field(default=4.0, metadata={"help": "lowest rating that counts as liked"})
    low_weight: float = field(default=0.75, metadata={"help": "weight of a rating below the like threshold"})
    dislike_threshold: float = field(
        default=2.5, metadata={"help": "ratings at or below this are dislikes (0: none are)"}
    )
    dislike_weight: float = field(
        default=0.0, metadata={"help": "weight of a dislike; negative pushes its neighbours down"}
    )

    def __post_init__(self):
        if not 0 <= self.low_weight <= 1:
            raise ValueError(f"--low-weight must be between 0 and 1, not {self.low_weight}")
        if self.dislike_threshold >= self.like_threshold:
            raise ValueError(
                f"--dislike-threshold ({self.dislike_threshold}) must be below --like-threshold ({self.like_threshold})"
            )
        if not -1 <= self.dislike_weight <= self.low_weight:
            raise ValueError(f"--dislike-weight must be between -1 and --low-weight, not {self.dislike_weight}")

    def weights(self, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        weights = np.where(values >= self.like_threshold, 1.0, self.low_weight)
        return np.where(values <= self.dislike_threshold, self.dislike_weight, weights).astype(np.float32)

    def liked(self, values: np.ndarray) -> np.ndarray:
        """Which of the ratings are likes (the items evidence may cite)."""
        return np.asarray(values, dtype=np.float64) >= self.like_threshold

    def as_dict(self) -> dict:
        return asdict(self)


def interaction_matrix(
    user_idx: np.ndarray,
    item_idx: np.ndarray,
    values: np.ndarray,
    *,
    n_users: int,
    n_items: int,
    likes: Likes | None = None,
    mode: Mode = "implicit",
) -> sp.csr_matrix:
    """The users x items matrix the item lists and the scores are computed from.

    implicit: each rating's weight by `likes` (default `Likes()`); a zero weight stores nothing.
    explicit: the rating minus that user's mean rating, so a user's likes and dislikes pull apart.
    """
    values = np.asarray(values, dtype=np.float64)
    if mode == "implicit":
        data = (likes or Likes()).weights(values)
    elif mode == "explicit":
        sums = np.bincount(user_idx, weights=values, minlength=n_users)
        counts = np.maximum(np.bincount(user_idx, minlength=n_users), 1)
        data = (values - (sums / counts)[user_idx]).astype(np.float32)
    else:
        raise ValueError(f"unknown mode {mode!r}: use 'implicit' or 'explicit'")
    matrix = sp.csr_matrix((data, (user_idx, item_idx)), shape=(n_users, n_items), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def user_weights(values: np.ndarray, *, likes: Likes | None = None, mode: Mode = "implicit") -> np.ndarray:
    """One user's row of `interaction_matrix`, for a user who was not in the training data."""
    values = np.asarray(values, dtype=np.float64)
    if mode == "implicit":
        return (likes or Likes()).weights(values)
    return (values - values.mean()).astype(np.float32) if len(values) else values.astype(np.float32)

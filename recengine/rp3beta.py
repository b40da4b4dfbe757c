"""RP3beta (the `rp3beta` algorithm): item lists from a three-step random walk item -> user -> item,
with popular destinations discounted.

B. Paudel, F. Christoffel, C. Newell and A. Bernstein, "Updatable, accurate, diverse, and scalable
recommendations for interactive applications", ACM TiiS 7(1), 2016; C. Christoffel et al., "Blockbusters
and wallflowers", RecSys 2015. With X the users x items weights, P_ui its rows scaled to sum to 1 (a
user's step to an item) and P_iu the same for X's transpose (an item's step to a user), each entry
raised to the power alpha, item i's weight for item j is

    W_ij = (P_iu @ P_ui)_ij / popularity_j ** beta

(popularity: the number of users with a positive weight for j), of which each row keeps its k largest,
never i itself. The walk has no notion of a negative step, so a dislike's negative weight is left out of
the fit; it acts when a user's list is scored (lists.ItemLists).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from recengine.lists import ListParams, WholeFit
from recengine.sparsify import block_rows, top_k_rows


@dataclass(frozen=True)
class Rp3Params(ListParams):
    """Defaults chosen by offline evaluation on ml-latest-small (docs/EVALUATION.md)."""

    k: int = field(default=200, metadata={"option": "neighbors", "help": "neighbours per item"})
    alpha: float = field(default=0.5, metadata={"help": "rp3beta: power of the walk's step probabilities"})
    beta: float = field(default=0.5, metadata={"help": "rp3beta: popularity discount of the destination"})

    def __post_init__(self):
        super().__post_init__()
        if self.k < 1:
            raise ValueError(f"--neighbors must be at least 1, not {self.k}")
        if self.alpha <= 0:
            raise ValueError(f"--alpha must be positive, not {self.alpha}")
        if not 0 <= self.beta <= 1:
            raise ValueError(f"--beta must be between 0 and 1, not {self.beta}")


def rp3beta_lists(
    interactions: sp.csr_matrix,
    *,
    k: int,
    alpha: float,
    beta: float,
    on_block: Callable[[int], None] | None = None,
) -> sp.csr_matrix:
    """Items x items RP3beta weights of a users x items matrix, the k largest per row kept.

    Computed in blocks of rows (sparsify.BLOCK_BYTES of dense weights at a time); `on_block(items_done)`
    after each. Only positive entries of `interactions` take part.
    """
    positive = interactions.multiply(interactions > 0).tocsr().astype(np.float64)
    n_items = positive.shape[1]
    user_steps = normalize(positive, norm="l1", axis=1)  # P_ui
    item_steps = normalize(positive.T.tocsr(), norm="l1", axis=1)  # P_iu
    if alpha != 1:
        user_steps.data **= alpha
        item_steps.data **= alpha
    degree = np.diff(positive.tocsc().indptr).astype(np.float64)
    discount = np.zeros(n_items)
    np.power(degree, -beta, out=discount, where=degree > 0)
    parts = []
    for start, stop in block_rows(n_items):
        block = (item_steps[start:stop] @ user_steps).toarray() * discount
        parts.append(top_k_rows(block, start=start, k=k))
        if on_block:
            on_block(stop)
    if not parts:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    rows, cols, weights = (np.concatenate(column) for column in zip(*parts, strict=True))
    return sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(n_items, n_items), dtype=np.float32)


@dataclass(frozen=True)
class Rp3Beta(WholeFit):
    """Implements recengine.recommender's Recommender (no in-place refresh: retrained on the schedule)."""

    name: ClassVar[str] = "rp3beta"
    Params: ClassVar[type] = Rp3Params

    params: Rp3Params

    @classmethod
    def item_lists(
        cls, interactions: sp.csr_matrix, params: Rp3Params, on_progress: Callable[[int], None] | None
    ) -> sp.csr_matrix:
        return rp3beta_lists(interactions, k=params.k, alpha=params.alpha, beta=params.beta, on_block=on_progress)

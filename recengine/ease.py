"""EASE (the `ease` algorithm): item lists from a linear item-to-item regression in closed form.

H. Steck, "Embarrassingly shallow autoencoders for sparse data", WWW 2019. With X the users x items
weights and P = (X^T X + l2 I)^-1, the weights minimising ||X - X B||^2 + l2 ||B||^2 with a zero
diagonal are

    B = I - P diag(1 / diag(P)),  that is  B_ij = -P_ij / P_jj  off the diagonal,

and row i of B (what item i adds to each other item's score) keeps its k largest weights.

The inverse is dense: the fit holds one n x n float64 matrix (n the items with at least one rating),
8 n^2 bytes, 0.8 GB for 10,000 items and 3.2 GB for MAX_EASE_ITEMS, and takes O(n^3) time (a Cholesky
factorisation and inverse, in place). Larger catalogues are refused; RP3beta and item-kNN have no such
limit.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import scipy.sparse as sp
from scipy.linalg import lapack

from recengine.lists import ListParams, WholeFit
from recengine.sparsify import block_rows, top_k_rows

MAX_EASE_ITEMS = 20_000

Keep = Literal["absolute", "positive"]


@dataclass(frozen=True)
class EaseParams(ListParams):
    """Defaults chosen on the validation splits of ml-latest-small and ml-100k by
    benchmarks/evaluation_sweep.py (docs/EVALUATION.md): l2 300 and ratings under the like threshold at
    half weight on both. 200 weights kept per item; 500 gained about 1% NDCG@10 for 2.5x the stored rows."""

    low_weight: float = field(default=0.5, metadata={"help": "weight of a rating below the like threshold"})
    k: int = field(default=200, metadata={"option": "neighbors", "help": "neighbours per item"})
    l2: float = field(default=300.0, metadata={"help": "ease: L2 penalty (lambda) on the item weights"})
    keep: Keep = field(
        default="absolute",
        metadata={
            "choices": ("absolute", "positive"),
            "help": "ease: the k weights kept, largest by absolute value "
            "(negative ones too) or the largest positive ones",
        },
    )

    def __post_init__(self):
        super().__post_init__()
        if self.k < 1:
            raise ValueError(f"--neighbors must be at least 1, not {self.k}")
        if self.l2 <= 0:
            raise ValueError(f"--l2 must be positive, not {self.l2}")
        if self.keep not in ("absolute", "positive"):
            raise ValueError(f"unknown --keep {self.keep!r}: use 'absolute' or 'positive'")


def ease_lists(
    interactions: sp.csr_matrix,
    *,
    k: int,
    l2: float,
    keep: Keep = "absolute",
    on_block: Callable[[int], None] | None = None,
) -> sp.csr_matrix:
    """Items x items EASE weights of a users x items matrix, the k largest per row kept (by absolute
    value, or the positive ones).

    Only the items with a rating take part (the others get empty lists); more than MAX_EASE_ITEMS of
    them is a ValueError. `on_block(items_done)` after each block of rows is sparsified (the share of
    the lists done, in items of the whole catalogue).
    """
    n_items = interactions.shape[1]
    active = np.flatnonzero(np.diff(interactions.tocsc().indptr))
    if len(active) > MAX_EASE_ITEMS:
        raise ValueError(
            f"EASE handles at most {MAX_EASE_ITEMS:,} rated items (it inverts a dense items x items matrix, "
            f"8 bytes x items squared); this catalogue has {len(active):,}: use rp3beta or item-knn"
        )
    inverse = _inverse_in_place(_gram(interactions[:, active].astype(np.float64), l2))  # upper triangle only
    diagonal = inverse.diagonal().copy()
    parts = []
    for start, stop in block_rows(len(active)):
        block = np.triu(inverse[start:stop], k=start)
        block += np.tril(inverse[:, start:stop].T, k=start - 1)  # the lower triangle, from its mirror
        block /= -diagonal
        rows, cols, weights = top_k_rows(block, start=start, k=k, absolute=keep == "absolute")
        parts.append((active[rows], active[cols], weights))
        if on_block:
            on_block(n_items * stop // len(active))
    if not parts:
        return sp.csr_matrix((n_items, n_items), dtype=np.float32)
    rows, cols, weights = (np.concatenate(column) for column in zip(*parts, strict=True))
    return sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(n_items, n_items), dtype=np.float32)


def _gram(x: sp.csr_matrix, l2: float) -> np.ndarray:
    """X^T X + l2 I, dense, in Fortran order (LAPACK then works on it in place; given C order, scipy
    would copy it), built a block of columns at a time so no whole sparse product is held beside it."""
    n_items = x.shape[1]
    gram = np.zeros((n_items, n_items), order="F")
    by_item, columns = x.T.tocsr(), x.tocsc()
    for start, stop in block_rows(n_items):
        gram[:, start:stop] = (by_item @ columns[:, start:stop]).toarray()
    gram[np.diag_indices(n_items)] += l2
    return gram


def _inverse_in_place(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix (Fortran order), in its upper triangle,
    overwriting it (LAPACK potrf then potri: no second n x n array)."""
    factor, info = lapack.dpotrf(matrix, lower=False, overwrite_a=True, clean=False)
    if info == 0:
        inverse, info = lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise ValueError(f"EASE: the regularised gram matrix could not be inverted (LAPACK info {info})")
    return inverse


@dataclass(frozen=True)
class Ease(WholeFit):
    """Implements recengine.recommender's Recommender (no in-place refresh: retrained on the schedule)."""

    name: ClassVar[str] = "ease"
    Params: ClassVar[type] = EaseParams

    params: EaseParams

    @classmethod
    def item_lists(
        cls, interactions: sp.csr_matrix, params: EaseParams, on_progress: Callable[[int], None] | None
    ) -> sp.csr_matrix:
        return ease_lists(interactions, k=params.k, l2=params.l2, keep=params.keep, on_block=on_progress)

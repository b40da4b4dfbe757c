"""Item-kNN (the `item-knn` algorithm): each item's most co-rated items, fitted whole, in item ranges
computed apart, or refreshed in place for the items whose ratings changed."""

import io
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from recengine.knn import Triples, item_neighbors, item_neighbors_block, item_neighbors_refresh
from recengine.lists import ItemLists, ListParams, popular_items
from recengine.matrix import Mode, interaction_matrix


@dataclass(frozen=True)
class KnnParams(ListParams):
    """Defaults chosen by offline evaluation on ml-latest-small (docs/EVALUATION.md); the kNN gains most
    from counting ratings below the like threshold at half weight."""

    low_weight: float = field(default=0.5, metadata={"help": "weight of a rating below the like threshold"})
    k: int = field(default=10, metadata={"option": "neighbors", "help": "neighbours per item"})
    shrinkage: float = field(default=0.0, metadata={"help": "co-rater shrinkage (see knn.item_neighbors)"})
    mode: Mode = field(
        default="implicit",
        metadata={"choices": ("implicit", "explicit"), "help": "explicit: mean-centred ratings, no like weights"},
    )

    def __post_init__(self):
        super().__post_init__()
        if self.k < 1:
            raise ValueError(f"--neighbors must be at least 1, not {self.k}")
        if self.shrinkage < 0:
            raise ValueError(f"--shrinkage must not be negative, not {self.shrinkage}")
        if self.mode not in ("implicit", "explicit"):
            raise ValueError(f"unknown mode {self.mode!r}: use 'implicit' or 'explicit'")


@dataclass(frozen=True)
class TrainingData:
    """Everything a fit reads, computed once: the interaction matrix and the popularity order.

    A fit split into item ranges (`block`) computed on other processes or hosts reads this snapshot,
    so every range sees the same ratings whatever changes meanwhile; `dumps` / `loads` carry it.
    """

    params: KnnParams
    interactions: sp.csr_matrix  # users x items
    popular: np.ndarray  # item indices, most popular first

    @classmethod
    def build(
        cls,
        user_idx: np.ndarray,
        item_idx: np.ndarray,
        values: np.ndarray,
        *,
        n_users: int,
        n_items: int,
        params: KnnParams | None = None,
    ) -> "TrainingData":
        params = params or KnnParams()
        interactions = interaction_matrix(
            user_idx, item_idx, values, n_users=n_users, n_items=n_items, likes=params, mode=params.mode
        )
        popular = popular_items(item_idx, values, n_items=n_items, prior=params.popularity_prior)
        return cls(params=params, interactions=interactions, popular=popular)

    @property
    def n_items(self) -> int:
        return self.interactions.shape[1]

    def block(self, start: int, stop: int) -> Triples:
        """Rows start..stop-1 of the neighbour matrix (see `knn.item_neighbors_block`)."""
        return item_neighbors_block(self.interactions, start, stop, k=self.params.k, shrinkage=self.params.shrinkage)

    def dumps(self) -> bytes:
        """The snapshot as compressed npz bytes (no pickle); the params travel separately, as JSON."""
        buffer = io.BytesIO()
        matrix = self.interactions
        np.savez_compressed(
            buffer,
            shape=np.array(matrix.shape),
            data=matrix.data,
            indices=matrix.indices,
            indptr=matrix.indptr,
            popular=self.popular,
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, snapshot: bytes, *, params: KnnParams) -> "TrainingData":
        with np.load(io.BytesIO(snapshot), allow_pickle=False) as arrays:
            interactions = sp.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"])
            )
            return cls(params=params, interactions=interactions, popular=arrays["popular"])


def block_bounds(n_items: int, blocks: int) -> list[tuple[int, int]]:
    """`blocks` contiguous item ranges of near-equal size covering 0..n_items-1 (fewer if there are
    fewer items); the unit of work of a fit split across processes."""
    if blocks < 1:
        raise ValueError(f"blocks must be at least 1, not {blocks}")
    edges = np.linspace(0, n_items, min(blocks, max(n_items, 1)) + 1).astype(int)
    return [(int(start), int(stop)) for start, stop in itertools.pairwise(edges)]


@dataclass(frozen=True)
class ItemKnn(ItemLists):
    """Each item's k most similar items by co-rating (cosine), a user's score for an item the sum of the
    similarities from the items they rated. Implements recengine.recommender's Recommender, Refreshable
    and SplitFit."""

    name: ClassVar[str] = "item-knn"
    Params: ClassVar[type] = KnnParams

    params: KnnParams

    @property
    def mode(self) -> Mode:
        return self.params.mode

    @classmethod
    def prepare(
        cls, user_idx: np.ndarray, item_idx: np.ndarray, values: np.ndarray, *, n_users: int, n_items: int, params
    ) -> TrainingData:
        """The snapshot every item range of a split fit reads."""
        return TrainingData.build(user_idx, item_idx, values, n_users=n_users, n_items=n_items, params=params)

    @classmethod
    def load_snapshot(cls, snapshot: bytes, *, params: KnnParams) -> TrainingData:
        return TrainingData.loads(snapshot, params=params)

    @classmethod
    def fit(
        cls,
        user_idx: np.ndarray,
        item_idx: np.ndarray,
        values: np.ndarray,
        *,
        n_users: int,
        n_items: int,
        params: KnnParams | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> "ItemKnn":
        """`on_progress(items_done)` after each block of the neighbour computation."""
        data = TrainingData.build(user_idx, item_idx, values, n_users=n_users, n_items=n_items, params=params)
        neighbors = item_neighbors(
            data.interactions, k=data.params.k, shrinkage=data.params.shrinkage, on_block=on_progress
        )
        return cls(params=data.params, neighbors=neighbors, popular=data.popular)

    @classmethod
    def from_blocks(cls, data: TrainingData, blocks: Iterable[tuple[tuple[int, int], Triples]]) -> "ItemKnn":
        """The model from `data.block(start, stop)` results computed apart, given with their ranges.

        The ranges must cover every item exactly once (in any order), else ValueError: a missing or
        doubled range would silently drop or duplicate neighbour lists.
        """
        blocks = sorted(blocks, key=lambda block: block[0])
        expected = 0
        for (start, stop), _ in blocks:
            if start != expected or stop < start:
                raise ValueError(f"item ranges do not cover 0..{data.n_items} exactly once (at {start}..{stop})")
            expected = stop
        if expected != data.n_items:
            raise ValueError(f"item ranges end at {expected}, not at {data.n_items}")
        n = data.n_items
        neighbors = sp.csr_matrix((n, n), dtype=np.float32)
        if blocks:
            parts = [triples for _, triples in blocks]
            rows, cols, scores = (np.concatenate(column) for column in zip(*parts, strict=True))
            neighbors = sp.csr_matrix((scores.astype(np.float32), (rows, cols)), shape=(n, n), dtype=np.float32)
        return cls(params=data.params, neighbors=neighbors, popular=data.popular)

    def refreshed(
        self, user_idx: np.ndarray, item_idx: np.ndarray, values: np.ndarray, *, n_users: int, dirty: np.ndarray
    ) -> "ItemKnn":
        """This model brought up to date with all ratings now, of which only the `dirty` items' changed.

        `self.neighbors` must be on the same item index as `item_idx` (an item with no neighbours yet is
        an empty row); see `knn.item_neighbors_refresh` for what is recomputed.
        """
        n_items = self.n_items
        interactions = interaction_matrix(
            user_idx, item_idx, values, n_users=n_users, n_items=n_items, likes=self.params, mode=self.params.mode
        )
        neighbors = item_neighbors_refresh(
            interactions, self.neighbors, dirty, k=self.params.k, shrinkage=self.params.shrinkage
        )
        popular = popular_items(item_idx, values, n_items=n_items, prior=self.params.popularity_prior)
        return ItemKnn(params=self.params, neighbors=neighbors, popular=popular)

"""Item-kNN (the `item-knn` algorithm): each item's most co-rated items, fitted whole, in item ranges
computed apart, or refreshed in place for the items whose ratings changed."""

import io
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from recengine.knn import (
    Triples,
    column_norms,
    item_neighbors,
    item_neighbors_block,
    lists_merge,
)
from recengine.lists import ItemLists, ListParams, popular_items
from recengine.live_knn import live_dirty_rows
from recengine.live_ratings import LiveRatings
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
class Columns:
    """Per item index: the norm of its column of weights, and the count and sum of its ratings. Kept with
    a version so that an in-place refresh computes only the changed items' rows (live_knn.live_dirty_rows)."""

    norms: np.ndarray
    counts: np.ndarray
    sums: np.ndarray


@dataclass(frozen=True)
class TrainingData:
    """Everything a fit reads, computed once: the interaction matrix and the popularity order.

    A fit split into item ranges (`block`) computed on other processes or hosts reads this snapshot,
    so every range sees the same ratings whatever changes meanwhile; `dumps` / `loads` carry it.
    """

    params: KnnParams
    interactions: sp.csr_matrix  # users x items
    popular: np.ndarray  # item indices, most popular first
    counts: np.ndarray  # ratings per item
    sums: np.ndarray  # sum of ratings per item

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
        counts = np.bincount(item_idx, minlength=n_items).astype(np.int64)
        sums = np.bincount(item_idx, weights=values, minlength=n_items)
        return cls(params=params, interactions=interactions, popular=popular, counts=counts, sums=sums)

    @property
    def columns(self) -> Columns:
        return Columns(norms=column_norms(self.interactions), counts=self.counts, sums=self.sums)

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
            counts=self.counts,
            sums=self.sums,
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, snapshot: bytes, *, params: KnnParams) -> "TrainingData":
        with np.load(io.BytesIO(snapshot), allow_pickle=False) as arrays:
            interactions = sp.csr_matrix(
                (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"])
            )
            return cls(
                params=params,
                interactions=interactions,
                popular=arrays["popular"],
                counts=arrays["counts"],
                sums=arrays["sums"],
            )


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
    columns: Columns | None = None  # from a fit; a model loaded from its lists has none

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
        return cls(params=data.params, neighbors=neighbors, popular=data.popular, columns=data.columns)

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
        return cls(params=data.params, neighbors=neighbors, popular=data.popular, columns=data.columns)

    @classmethod
    def dirty_rows(
        cls,
        params: KnnParams,
        ratings: LiveRatings,
        *,
        norms: np.ndarray,
        dirty: np.ndarray,
        floors: np.ndarray | None = None,
        listed: np.ndarray | None = None,
    ) -> tuple[Triples, Columns]:
        """The `dirty` items' similarities and their columns, from the ratings held in memory (indexes
        into `ratings`), and every column's stored norm over the same indexes. With the lists' `floors`
        and the items whose lists hold a dirty item (`listed`, a mask), only those a list can take;
        else every positive one."""
        reach = None if floors is None else (floors, listed, params.k)
        fresh, dirty_norms = live_dirty_rows(
            ratings, norms, dirty, likes=params, mode=params.mode, shrinkage=params.shrinkage, reach=reach
        )
        columns = Columns(
            norms=dirty_norms,
            counts=ratings.by_item.length[dirty].copy(),
            sums=np.array([ratings.by_item.row(row)[1].sum(dtype=np.float64) for row in dirty.tolist()]),
        )
        return fresh, columns

    @classmethod
    def lists_merged(
        cls, params: KnnParams, old: sp.csr_matrix, fresh: Triples, is_dirty: np.ndarray, rows: np.ndarray
    ) -> sp.csr_matrix:
        """The new lists of `rows` from their `old` ones and the dirty rows' `fresh` similarities (see
        `knn.lists_merge`)."""
        return lists_merge(old, fresh, is_dirty, rows, k=params.k)

"""What a process holds in memory to serve recommendations: the active model version, the item vectors,
the sentence encoder and the request parser. Each loads once per process and reloads only when what it
mirrors changed (a new version or revision, new vectors, other categories); selectors read through it."""

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from catalog.models import Category, Item
from language.encoder import PACKAGED_WEIGHTS_SHA256, SentenceEncoder, packaged_model_path
from language.intent import IntentParser
from recengine.model import ItemKnn, KnnParams
from recommendations.models import ItemEmbedding, ItemNeighbor, ModelVersion

# Bumped in the shared cache whenever item vectors are written, so serving processes reload theirs.
EMBEDDINGS_VERSION_KEY = "recommendations:embeddings-version"


@dataclass(frozen=True)
class ServingModel:
    """The active version in memory. Item index i is the i-th most popular item, `item_ids[i]`."""

    version_id: int
    revision: int
    model: ItemKnn
    item_ids: np.ndarray
    _sorted: np.ndarray = field(init=False, repr=False)  # argsort of item_ids, for lookups

    def __post_init__(self):
        object.__setattr__(self, "_sorted", np.argsort(self.item_ids))

    def index_of(self, item_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(model indices of the item pks the model knows, mask over `item_ids` of which it knows)."""
        if not len(self.item_ids):
            return np.zeros(0, dtype=np.int64), np.zeros(len(item_ids), dtype=bool)
        positions = np.searchsorted(self.item_ids, item_ids, sorter=self._sorted)
        positions = self._sorted[np.minimum(positions, len(self._sorted) - 1)]
        known = self.item_ids[positions] == item_ids
        return positions[known], known


_serving: ServingModel | None = None
_serving_lock = threading.Lock()


def serving_model() -> ServingModel | None:
    """The active model version, loaded once per process and reloaded when another one is activated.

    One query per call (the active version's id and revision); the neighbour lists are read only when
    another version is activated or the active one is refreshed in place.
    """
    global _serving
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", "revision").first()
    if active is None:
        return None
    if _serving is not None and (_serving.version_id, _serving.revision) == active:
        return _serving
    with _serving_lock:
        if _serving is None or (_serving.version_id, _serving.revision) != active:
            _serving = _serving_model_load(active[0])
    return _serving


def _serving_model_load(version_id: int) -> ServingModel:
    version = ModelVersion.objects.get(pk=version_id)
    item_ids = np.array(version.popular_item_ids, dtype=np.int64)
    rows = np.array(
        ItemNeighbor.objects.filter(version_id=version_id).values_list("item_id", "neighbor_id", "score"),
        dtype=np.float64,
    ).reshape(-1, 3)
    # Every item with neighbours was rated, so it is in the popular list: its position is its index.
    order = np.argsort(item_ids)
    items = order[np.searchsorted(item_ids, rows[:, 0].astype(np.int64), sorter=order)]
    neighbors = order[np.searchsorted(item_ids, rows[:, 1].astype(np.int64), sorter=order)]
    matrix = sp.csr_matrix((rows[:, 2].astype(np.float32), (items, neighbors)), shape=(len(item_ids),) * 2)
    model = ItemKnn(params=KnnParams(**version.params), neighbors=matrix, popular=np.arange(len(item_ids)))
    return ServingModel(version_id=version_id, revision=version.revision, model=model, item_ids=item_ids)


@dataclass(frozen=True)
class EmbeddingIndex:
    """Every embedded item's vector under the current encoder, rows in item pk order."""

    token: object
    model_name: str
    item_ids: np.ndarray
    vectors: np.ndarray
    latest_year: int


_embeddings: EmbeddingIndex | None = None
_parser: tuple[tuple[str, ...], int, IntentParser] | None = None


def embedding_index() -> EmbeddingIndex:
    """Loaded once per process; reloaded when `item_embeddings_refresh` has written new vectors."""
    global _embeddings
    token = cache.get(EMBEDDINGS_VERSION_KEY)
    name = encoder().name
    if _embeddings is not None and _embeddings.token == token and _embeddings.model_name == name:
        return _embeddings
    rows = list(ItemEmbedding.objects.filter(model_name=name).order_by("item_id").values_list("item_id", "vector"))
    vectors = np.vstack([np.frombuffer(bytes(vector), dtype=np.float32) for _, vector in rows]) if rows else None
    latest = Item.objects.aggregate(latest=Max("year"))["latest"] or 2000
    _embeddings = EmbeddingIndex(
        token=token,
        model_name=name,
        item_ids=np.array([pk for pk, _ in rows], dtype=np.int64),
        vectors=vectors if vectors is not None else np.zeros((0, encoder().dimensions), dtype=np.float32),
        latest_year=latest,
    )
    return _embeddings


_encoder: SentenceEncoder | None = None
_encoder_lock = threading.Lock()


def encoder() -> SentenceEncoder:
    """Loaded on first use, once per process (about a second on a CPU), from RECSITE_ENCODER_PATH or
    the packaged all-MiniLM-L6-v2 (whose weights' hash is checked). Never from a hub."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                if settings.RECSITE_ENCODER_PATH:
                    _encoder = SentenceEncoder(Path(settings.RECSITE_ENCODER_PATH))
                else:
                    _encoder = SentenceEncoder(
                        packaged_model_path(), name="all-MiniLM-L6-v2", expected_sha256=PACKAGED_WEIGHTS_SHA256
                    )
    return _encoder


def intent_parser() -> IntentParser:
    """A parser for the catalogue's categories as they are now (rebuilt when they or the latest year change)."""
    global _parser
    names = tuple(Category.objects.order_by("name").values_list("name", flat=True))
    year = embedding_index().latest_year
    if _parser is None or _parser[:2] != (names, year):
        _parser = (names, year, IntentParser(list(names), current_year=year, encode=encoder().encode))
    return _parser[2]

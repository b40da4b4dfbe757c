"""What a process holds in memory to serve recommendations: the active model version, the sentence encoder
and the request parser (the item vectors: recommendations.vector_index). Each loads once per process and
reloads only when what it mirrors changed (a new version or revision, other categories); selectors read
through it."""

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from catalog.domain import catalogue_domain, category_vocabulary
from catalog.selectors import catalogue_facts, catalogue_version, keyword_fields, title_entries
from common.bulk import arrays_select, sql_in
from feedback.selectors import rating_counts
from language.domain import Domain
from language.encoder import PACKAGED_WEIGHTS_SHA256, Encoder, SentenceEncoder, packaged_model_path
from language.intent import IntentParser
from language.parsed import ParsedIntent
from language.titles import TitleEntry, TitleIndex
from recengine.recommender import Recommender, params_for, recommender_class
from recommendations.models import ItemNeighbor, ModelRevision, ModelVersion


@dataclass(frozen=True)
class ServingModel:
    """The active version in memory. Item index i is the item `item_ids[i]`: the popularity order when it
    was loaded, with items rated since appended, so that a refresh moves no index (`model.popular` has the
    order as it is now)."""

    version_id: int
    revision: int
    model: Recommender
    item_ids: np.ndarray
    _sorted: np.ndarray | None = field(default=None, repr=False)  # argsort of item_ids, for lookups

    def __post_init__(self):
        if self._sorted is None:
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
# How this process has read the model: "full" loads (a version activated, or too far behind) and
# "changes" (a refresh's changed lists only); the benchmarks and /health/ report them.
LOADS: Counter = Counter()


def serving_model() -> ServingModel | None:
    """The active model version, loaded once per process; after an in-place refresh, only the lists it
    changed are read (`ModelRevision`), and the whole version again only when another one is activated.

    One query per call (the active version's id and revision) while nothing changed.
    """
    global _serving
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list("pk", "revision").first()
    if active is None:
        return None
    if _serving is not None and (_serving.version_id, _serving.revision) == active:
        return _serving
    with _serving_lock:
        if _serving is not None and _serving.version_id == active[0] and _serving.revision < active[1]:
            _serving = _serving_model_changed(_serving) or _serving_model_load(active[0])
        elif _serving is None or (_serving.version_id, _serving.revision) != active:
            _serving = _serving_model_load(active[0])
    return _serving


def _serving_model_load(version_id: int) -> ServingModel:
    LOADS["full"] += 1
    version = ModelVersion.objects.get(pk=version_id)
    item_ids = np.array(version.popular_item_ids, dtype=np.int64)
    sorter = np.argsort(item_ids)
    empty = sp.csr_matrix((len(item_ids), len(item_ids)), dtype=np.float32)
    lists = _lists_read(version_id, item_ids, sorter, empty, items=None)
    return _serving_build(version, item_ids, sorter, lists)


def _serving_model_changed(serving: ServingModel) -> ServingModel | None:
    """`serving` brought to the active revision by reading only the lists the refreshes since changed,
    or None when those are not all recorded (too far behind: load the whole version). The index keeps its
    items and their order (items rated for the first time are appended), so only the changed rows move."""
    version = ModelVersion.objects.get(pk=serving.version_id)
    changes = list(
        ModelRevision.objects.filter(
            version_id=version.pk, revision__gt=serving.revision, revision__lte=version.revision
        ).values_list("changed_item_ids", flat=True)
    )
    if len(changes) != version.revision - serving.revision:
        return None
    LOADS["changes"] += 1
    changed = np.unique(np.concatenate([np.asarray(each, dtype=np.int64) for each in changes]))
    popular = np.array(version.popular_item_ids, dtype=np.int64)
    positions, known = serving.index_of(popular)
    item_ids, sorter = serving.item_ids, serving._sorted
    if not known.all():
        item_ids = np.concatenate([item_ids, np.unique(popular[~known])])
        sorter = positions = None
    if sorter is None:
        sorter = np.argsort(item_ids)
    lists = _lists_read(version.pk, item_ids, sorter, serving.model.lists, items=changed)
    return _serving_build(version, item_ids, sorter, lists, popular=positions)


def _lists_read(
    version_id: int, item_ids: np.ndarray, sorter: np.ndarray, lists: sp.csr_matrix, *, items: np.ndarray | None
) -> sp.csr_matrix:
    """`lists` (on a prefix of the index `item_ids`, `sorter` its argsort) with the stored lists of `items`
    read in place of theirs (every list when None): the other rows are copied as they are, so the cost is
    a copy of the arrays and the rows read, with no sort of the whole."""
    match, params = ("TRUE", []) if items is None else sql_in("item_id", items.tolist())
    rows, neighbours, scores = arrays_select(
        sql="SELECT CAST(item_id AS BIGINT), CAST(neighbor_id AS BIGINT), CAST(score AS REAL) "  # nosec B608: names, placeholders
        f"FROM {ItemNeighbor._meta.db_table} WHERE version_id = %s AND {match}",
        params=[version_id, *params],
        dtypes=("i8", "i8", "f4"),
    )
    n, old = len(item_ids), lists.tocsr()
    stale = np.ones(n, dtype=bool)
    if items is not None:
        stale[:] = False
        stale[_positions(item_ids, sorter, items[np.isin(items, item_ids)])] = True
    old_lengths = np.zeros(n, dtype=np.int64)
    old_lengths[: old.shape[0]] = np.diff(old.indptr)
    read_rows, read_cols = _positions(item_ids, sorter, rows), _positions(item_ids, sorter, neighbours)
    lengths = np.where(stale, 0, old_lengths) + np.bincount(read_rows, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices, data = np.empty(indptr[-1], dtype=np.int32), np.empty(indptr[-1], dtype=np.float32)
    entry_rows = np.repeat(np.arange(old.shape[0]), np.diff(old.indptr))
    kept = np.flatnonzero(~stale[entry_rows])
    at = indptr[entry_rows[kept]] + kept - old.indptr[entry_rows[kept]]
    indices[at], data[at] = old.indices[kept], old.data[kept]
    order = np.lexsort((read_cols, read_rows))  # the rows read, each by column
    read_rows = read_rows[order]
    first = np.searchsorted(read_rows, read_rows)  # each entry's row's first entry among those read
    at = indptr[read_rows] + np.arange(len(read_rows)) - first
    indices[at], data[at] = read_cols[order], scores[order]
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))


def _positions(item_ids: np.ndarray, sorter: np.ndarray, pks: np.ndarray) -> np.ndarray:
    """Indices in `item_ids` (`sorter` its argsort) of `pks`, every one of which must be in it (each
    list's items were rated)."""
    return sorter[np.searchsorted(item_ids, pks, sorter=sorter)]


def _serving_build(
    version: ModelVersion,
    item_ids: np.ndarray,
    sorter: np.ndarray,
    lists: sp.csr_matrix,
    *,
    popular: np.ndarray | None = None,
) -> ServingModel:
    """`popular`: the version's popularity order as indices into `item_ids`, when the caller has them."""
    recommender = recommender_class(version.algorithm)
    if popular is None:
        popular = _positions(item_ids, sorter, np.array(version.popular_item_ids, dtype=np.int64))
    model = recommender.from_lists(params=params_for(recommender, version.params), lists=lists, popular=popular)
    return ServingModel(
        version_id=version.pk, revision=version.revision, model=model, item_ids=item_ids, _sorted=sorter
    )


def serving_model_of(algorithm: str) -> ServingModel | None:
    """The newest version `algorithm` built that is active or kept retired, to compare algorithms (the
    `recommend --algorithm` command): the active one as served, a retired one loaded for this call only."""
    version = (
        ModelVersion.objects.filter(
            algorithm=algorithm, status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.RETIRED]
        )
        .order_by("-trained_at", "-pk")
        .values_list("pk", "status")
        .first()
    )
    if version is None:
        return None
    return serving_model() if version[1] == ModelVersion.Status.ACTIVE else _serving_model_load(version[0])


_parser: tuple[tuple, IntentParser] | None = None


def _sentence_transformers() -> Encoder:
    """RECSITE_ENCODER_PATH, or the packaged all-MiniLM-L6-v2 (whose weights' hash is checked). Never a hub."""
    if settings.RECSITE_ENCODER_PATH:
        return SentenceEncoder(Path(settings.RECSITE_ENCODER_PATH))
    return SentenceEncoder(packaged_model_path(), name="all-MiniLM-L6-v2", expected_sha256=PACKAGED_WEIGHTS_SHA256)


# RECSITE_ENCODER_BACKEND names one of these: a new backend is an Encoder and a line here.
ENCODERS: dict[str, Callable[[], Encoder]] = {"sentence-transformers": _sentence_transformers}

_encoder: tuple[tuple[str, str], Encoder] | None = None
_encoder_lock = threading.Lock()


def encoder() -> Encoder:
    """Loaded on first use, once per process (about a second on a CPU), by the RECSITE_ENCODER_BACKEND
    backend; loaded again only when the settings name another backend or model folder."""
    global _encoder
    configured = (settings.RECSITE_ENCODER_BACKEND, settings.RECSITE_ENCODER_PATH)
    if _encoder is None or _encoder[0] != configured:
        with _encoder_lock:
            if _encoder is None or _encoder[0] != configured:
                try:
                    build = ENCODERS[settings.RECSITE_ENCODER_BACKEND]
                except KeyError:
                    raise ImproperlyConfigured(
                        f"RECSITE_ENCODER_BACKEND {settings.RECSITE_ENCODER_BACKEND!r} is not one of "
                        f"{', '.join(ENCODERS)}"
                    ) from None
                _encoder = (configured, build())
    return _encoder[1]


@dataclass(frozen=True)
class CatalogueFacts:
    """What requests filter on, for every item, in pk order: year (NaN when unknown), whether it is active,
    and a mask per category. Loaded once per process and catalogue version."""

    version: tuple
    item_ids: np.ndarray
    years: np.ndarray
    active: np.ndarray
    categories: dict[str, np.ndarray]

    def positions(self, item_ids: np.ndarray) -> np.ndarray:
        """Where each of `item_ids` (pks this catalogue has) is in these arrays."""
        return np.searchsorted(self.item_ids, item_ids)

    @cached_property
    def latest_year(self) -> int:
        """The newest item's year ("recent" in a request counts back from it)."""
        return int(np.nanmax(self.years)) if np.isfinite(self.years).any() else 2000


_facts: CatalogueFacts | None = None


def catalogue_facts_now() -> CatalogueFacts:
    global _facts
    version = catalogue_version()
    if _facts is None or _facts.version != version:
        items, memberships = catalogue_facts()
        item_ids = np.array([pk for pk, _, _ in items], dtype=np.int64)
        years = np.array([np.nan if year is None else year for _, year, _ in items], dtype=np.float64)
        by_name: dict[str, list[int]] = {}
        for item_id, name in memberships:
            by_name.setdefault(name, []).append(item_id)
        masks = {}
        for name, members in by_name.items():
            mask = np.zeros(len(item_ids), dtype=bool)
            mask[np.searchsorted(item_ids, np.array(members, dtype=np.int64))] = True
            masks[name] = mask
        active = np.array([is_active for _, _, is_active in items], dtype=bool)
        _facts = CatalogueFacts(version=version, item_ids=item_ids, years=years, active=active, categories=masks)
    return _facts


ENCODED_TTL = 24 * 3600  # how long a request's encoded words stay in the shared cache


def shared_encode(texts: list[str]) -> np.ndarray:
    """The process encoder's vectors for `texts`, each text encoded once across every process: the shared
    cache holds them for a day (the same request from another user, or another worker, costs no encoder)."""
    model = encoder()
    keys = {text: f"encoded:{model.name}:{hashlib.sha256(text.encode()).hexdigest()}" for text in texts}
    found = cache.get_many(list(set(keys.values())))
    missing = [text for text in dict.fromkeys(texts) if keys[text] not in found]
    if missing:
        fresh = {keys[text]: vector.tobytes() for text, vector in zip(missing, model.encode(missing), strict=True)}
        cache.set_many(fresh, timeout=ENCODED_TTL)
        found.update(fresh)
    if not texts:
        return np.zeros((0, model.dimensions), dtype=np.float32)
    return np.vstack([np.frombuffer(found[keys[text]], dtype=np.float32) for text in texts])


def intent_parser() -> IntentParser:
    """A parser for the catalogue's categories, aliases and titles as they are now, in its domain's words,
    with the process's encoder and the catalogue's full-text search (rebuilt when any of them, the items
    or the latest year changes; titles two items share go to the more popular in the active model then)."""
    global _parser
    names, aliases = category_vocabulary()
    model, domain, facts = encoder(), catalogue_domain(), catalogue_facts_now()
    mirrors = (
        names,
        tuple(sorted(aliases.items())),
        facts.latest_year,
        model.name,
        settings.RECSITE_DOMAIN,
        facts.version,
    )
    if _parser is None or _parser[0] != mirrors:
        parser = IntentParser(
            list(names),
            current_year=mirrors[2],
            domain=domain,
            aliases=aliases,
            encode=shared_encode,
            titles=_title_index(domain, serving_model()),
            match_keywords=keyword_fields,
        )
        _parser = (mirrors, parser)
    return _parser[1]


def _title_index(domain: Domain, serving: ServingModel | None) -> TitleIndex:
    """The active items' titles, the most popular first (a title two items share names the popular one)."""
    order = {pk: rank for rank, pk in enumerate(serving.item_ids.tolist())} if serving else {}
    entries = sorted(title_entries(), key=lambda row: (order.get(row[0], len(order)), row[0]))
    return TitleIndex(
        (TitleEntry(*row) for row in entries), trailing_articles=domain.trailing_articles, known=rating_counts
    )


# Requests in words, parsed: each distinct text is parsed (and encoded) once per process and catalogue state.
PARSED_REQUESTS = 1024
_parsed: OrderedDict[tuple, ParsedIntent] = OrderedDict()
_parsed_lock = threading.Lock()


def parsed_request(text: str) -> ParsedIntent:
    """`text` understood by the current parser, from a per-process cache of the last PARSED_REQUESTS texts
    (a reason asked for again parses its request without the encoder; another process finds the encoded
    words in the shared cache: shared_encode). ValueError when empty or too long."""
    parser = intent_parser()
    key = (_parser[0], text)
    with _parsed_lock:
        if key in _parsed:
            _parsed.move_to_end(key)
            return _parsed[key]
    parsed = parser.parse(text)
    with _parsed_lock:
        _parsed[key] = parsed
        while len(_parsed) > PARSED_REQUESTS:
            _parsed.popitem(last=False)
    return parsed


def parsed_requests_forget() -> None:
    """Empty this process's cache of parsed requests (benchmarks time the parsing itself)."""
    with _parsed_lock:
        _parsed.clear()

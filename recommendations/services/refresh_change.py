"""What one in-place refresh changes, computed before its transaction: the dirty rows from the ratings
held in memory, merged into the lists the change can reach (see recommendations.services.refresh).

The version's stored columns (`ItemColumn`: a row per item) are kept by this process between refreshes
for the revision it wrote last (`columns_all`), so a refresh reads them only after another process wrote.
"""

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from common.bulk import arrays_select, sql_in
from recengine.knn import list_floors
from recengine.model import Columns
from recengine.recommender import params_for, recommender_class
from recengine.scoring import popularity_from_sums, popularity_order
from recommendations.models import ItemColumn, ItemNeighbor, ModelVersion
from recommendations.rating_memory import ratings_in_memory


@dataclass(frozen=True)
class Change:
    """What one refresh writes, computed before its transaction (item pks throughout)."""

    changed: np.ndarray  # items whose lists it rewrites
    lists: tuple[np.ndarray, np.ndarray, np.ndarray]  # their new (item, neighbour, score) rows
    floors: np.ndarray  # of the changed items' new lists
    dirty: np.ndarray  # the marked items, with their new columns:
    columns: Columns
    popular: list[int]
    unknown: np.ndarray  # rated items with no stored column that no marker named: marked for the next run
    neighbors_added: int
    ratings_added: int
    seconds: dict[str, float]  # spent reading (the change log, the stored columns), on rows, on lists
    stored: "StoredColumns"  # the columns it read


def change_compute(version: ModelVersion, *, dirty_pks: np.ndarray) -> Change:
    recommender = recommender_class(version.algorithm)
    params = params_for(recommender, version.params)
    clock = [time.monotonic()]
    ratings = ratings_in_memory()
    stored = columns_all(version)
    clock.append(time.monotonic())
    dirty = ratings.items_index(dirty_pks)
    norms = _stored(stored, stored.norms, ratings.item_pks)
    # Lists the change can reach: the marked items' own, those they are on, those their similarities enter.
    on = _lists_on(version, dirty_pks)
    listed = np.zeros(len(ratings.item_pks), dtype=bool)
    held = ratings.items_find(np.union1d(on, dirty_pks))
    listed[held[held >= 0]] = True
    floors = _stored(stored, stored.floors, ratings.item_pks)
    fresh, columns = recommender.dirty_rows(
        params, ratings, norms=norms, dirty=dirty, floors=floors, listed=listed
    )
    clock.append(time.monotonic())
    has_column = _stored(stored, np.ones(len(stored.pks), dtype=bool), ratings.item_pks).astype(bool)
    entering = np.unique(fresh[1][fresh[2] >= floors[fresh[1]]])
    rows_pks = np.union1d(np.union1d(dirty_pks, ratings.item_pks[entering]), on)
    fresh_rows, fresh_cols, fresh_scores = ratings.item_pks[fresh[0]], ratings.item_pks[fresh[1]], fresh[2]
    unknown = ratings.item_pks[np.unique(fresh[1][~has_column[fresh[1]]])]
    old_items, old_neighbours, old_scores = _lists_of(version, rows_pks)
    index = np.union1d(np.union1d(np.union1d(dirty_pks, fresh_cols), old_items), old_neighbours)
    n = len(index)
    old = sp.csr_matrix(
        (old_scores, (np.searchsorted(index, old_items), np.searchsorted(index, old_neighbours))), shape=(n, n)
    )
    rows = np.searchsorted(index, rows_pks)
    new = recommender.lists_merged(
        params,
        old,
        (np.searchsorted(index, fresh_rows), np.searchsorted(index, fresh_cols), fresh_scores),
        np.isin(index, dirty_pks),
        rows,
    )
    changed = rows[_rows_differing(old, new, rows)]
    rewritten = new[changed].tocoo()
    clock.append(time.monotonic())
    return Change(
        changed=index[changed],
        lists=(index[changed][rewritten.row], index[rewritten.col], rewritten.data),
        floors=list_floors(new[changed], k=params.k),
        dirty=dirty_pks,
        columns=columns,
        popular=_popular_after(stored, dirty_pks, columns, prior=params.popularity_prior),
        unknown=unknown[~np.isin(unknown, dirty_pks)],
        neighbors_added=new[changed].nnz - old[changed].nnz,
        ratings_added=int(columns.counts.sum() - _stored(stored, stored.counts, dirty_pks).sum()),
        seconds=dict(zip(("read", "rows", "lists"), np.diff(clock).round(3).tolist(), strict=True)),
        stored=stored,
    )


@dataclass(frozen=True)
class StoredColumns:
    """Every column the version keeps, by item pk (ascending): one row per item, not per rating."""

    pks: np.ndarray
    norms: np.ndarray
    floors: np.ndarray
    counts: np.ndarray
    sums: np.ndarray


# (version pk, revision, its columns): what this process wrote last.
_columns_kept: tuple[int, int, "StoredColumns"] | None = None


def columns_all(version: ModelVersion) -> "StoredColumns":
    """Every column `version` keeps at its current revision: from this process's memory when it wrote
    that revision, else read (a row per item)."""
    if _columns_kept is not None and _columns_kept[:2] == (version.pk, version.revision):
        return _columns_kept[2]
    return _columns_read(version)


def columns_keep(version: ModelVersion, change: "Change") -> None:
    """Remember the columns `change` leaves at `version`'s (new) revision: call once it committed."""
    global _columns_kept
    if _columns_kept is None or _columns_kept[0] != version.pk:
        return
    stored = change.stored
    others = ~np.isin(stored.pks, change.dirty)
    rated = change.columns.counts > 0
    dirty = change.dirty[rated]
    pks = np.concatenate([stored.pks[others], dirty])
    order = np.argsort(pks)
    merged = StoredColumns(
        pks[order],
        np.concatenate([stored.norms[others], change.columns.norms[rated].astype(np.float32)])[order],
        np.concatenate([stored.floors[others], _stored(stored, stored.floors, dirty)])[order],
        np.concatenate([stored.counts[others], change.columns.counts[rated]])[order],
        np.concatenate([stored.sums[others], change.columns.sums[rated]])[order],
    )
    at = np.searchsorted(merged.pks, change.changed).clip(max=max(len(merged.pks) - 1, 0))
    found = merged.pks[at] == change.changed if len(merged.pks) else np.zeros(len(at), dtype=bool)
    merged.floors[at[found]] = change.floors[found]
    _columns_kept = (version.pk, version.revision, merged)


def columns_forget() -> None:
    """Drop the kept columns (for tests, whose rolled-back transactions take the written ones with them)."""
    global _columns_kept
    _columns_kept = None


def _columns_read(version: ModelVersion) -> "StoredColumns":
    global _columns_kept
    stored = StoredColumns(
        *arrays_select(
            sql="SELECT CAST(item_id AS BIGINT), CAST(norm AS REAL), CAST(floor AS DOUBLE PRECISION), "  # nosec B608: names, placeholders
            f"CAST(ratings AS BIGINT), CAST(rating_sum AS DOUBLE PRECISION) FROM {ItemColumn._meta.db_table} "
            "WHERE version_id = %s ORDER BY item_id",
            params=[version.pk],
            dtypes=("i8", "f4", "f8", "i8", "f8"),
        )
    )
    _columns_kept = (version.pk, version.revision, stored)
    return stored


def _stored(stored: StoredColumns, values: np.ndarray, pks: np.ndarray) -> np.ndarray:
    """`values` (one of `stored`'s columns) at items `pks`; 0 where the version keeps no column."""
    if not len(stored.pks):
        return np.zeros(len(pks), dtype=values.dtype)
    at = np.searchsorted(stored.pks, pks).clip(max=len(stored.pks) - 1)
    return np.where(stored.pks[at] == pks, values[at], 0)


def _lists_on(version: ModelVersion, items: np.ndarray) -> np.ndarray:
    """The items whose lists hold one of `items`."""
    match, params = sql_in("neighbor_id", items.tolist())
    (found,) = arrays_select(
        sql=f"SELECT DISTINCT CAST(item_id AS BIGINT) FROM {ItemNeighbor._meta.db_table} "  # nosec B608: names, placeholders
        f"WHERE version_id = %s AND {match}",
        params=[version.pk, *params],
        dtypes=("i8",),
    )
    return found


def _lists_of(version: ModelVersion, items: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored (item, neighbour, score) rows of `items`' lists."""
    match, params = sql_in("item_id", items.tolist())
    return tuple(
        arrays_select(
            sql="SELECT CAST(item_id AS BIGINT), CAST(neighbor_id AS BIGINT), CAST(score AS REAL) "  # nosec B608: names, placeholders
            f"FROM {ItemNeighbor._meta.db_table} WHERE version_id = %s AND {match}",
            params=[version.pk, *params],
            dtypes=("i8", "i8", "f4"),
        )
    )


def _rows_differing(old: sp.csr_matrix, new: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """Mask over `rows`: whose entries (neighbours or scores) differ between `old` and `new`."""
    old, new = old[rows].tocsr(), new[rows].tocsr()
    old.sort_indices()
    new.sort_indices()
    sizes_old, sizes_new = np.diff(old.indptr), np.diff(new.indptr)
    differ = sizes_old != sizes_new
    same_size = np.flatnonzero(~differ & (sizes_old > 0))
    for row in same_size.tolist():
        a, b = slice(old.indptr[row], old.indptr[row + 1]), slice(new.indptr[row], new.indptr[row + 1])
        differ[row] = not (np.array_equal(old.indices[a], new.indices[b]) and np.array_equal(old.data[a], new.data[b]))
    return differ


def _popular_after(stored: StoredColumns, dirty: np.ndarray, columns: Columns, *, prior: float) -> list[int]:
    """The popularity order over every rated item, with the marked items' new counts and sums."""
    others = ~np.isin(stored.pks, dirty)
    pks = np.concatenate([stored.pks[others], dirty])
    counts = np.concatenate([stored.counts[others], columns.counts])
    sums = np.concatenate([stored.sums[others], columns.sums])
    order = np.argsort(pks)
    pks, counts, sums = pks[order], counts[order], sums[order]
    ranked = popularity_order(popularity_from_sums(counts, sums, prior=prior), counts.astype(np.float64))
    return pks[ranked[counts[ranked] > 0]].tolist()

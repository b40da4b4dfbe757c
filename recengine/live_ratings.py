"""Every rating, held in memory in both orientations and changed in place: what a refresh worker reads
instead of the database, so that a refresh costs the change, not the data.

Rows keep their entries sorted by column, with room to grow: a write costs the length of the two rows it
touches (the user's and the item's), never the size of the matrix. The kernels read the arrays as they
are (`RowStore.start`, `.length`, `.columns`, `.values`).
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recengine.hot_rows import HotRows

# A row that outgrows its room moves to the end of the arrays with this much more (and at least 4).
_GROWTH = 2
# Rebuild the arrays without the holes moved rows leave once the used length passes this multiple of the
# entries held (and a million).
_COMPACT_RATIO = 2


class RowStore:
    """Sparse rows of (column, value), each sorted by column, written in place."""

    def __init__(self, matrix: sp.csr_matrix):
        matrix = matrix.tocsr()
        matrix.sort_indices()
        self.start = matrix.indptr[:-1].astype(np.int64)
        self.length = np.diff(matrix.indptr).astype(np.int64)
        self.room = self.length.copy()
        self.columns = matrix.indices.astype(np.int32)
        self.values = matrix.data.astype(np.float32)
        self.used = len(self.columns)

    @property
    def n_rows(self) -> int:
        return len(self.start)

    @property
    def nnz(self) -> int:
        return int(self.length.sum())

    def rows_add(self, n: int) -> None:
        """Append `n` empty rows."""
        self.start = np.concatenate([self.start, np.full(n, self.used, dtype=np.int64)])
        self.length = np.concatenate([self.length, np.zeros(n, dtype=np.int64)])
        self.room = np.concatenate([self.room, np.zeros(n, dtype=np.int64)])

    def row(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        """Row r's (columns, values): views, valid until the next write."""
        at = slice(self.start[r], self.start[r] + self.length[r])
        return self.columns[at], self.values[at]

    def put(self, r: int, column: int, value: float) -> float | None:
        """Set entry (r, column); returns the value it replaced (None where there was none)."""
        columns, values = self.row(r)
        at = int(np.searchsorted(columns, column))
        if at < len(columns) and columns[at] == column:
            previous = float(values[at])
            values[at] = value
            return previous
        if self.length[r] == self.room[r]:
            self._move(r)
        start, length = self.start[r], self.length[r]
        self.columns[start + at + 1 : start + length + 1] = self.columns[start + at : start + length].copy()
        self.values[start + at + 1 : start + length + 1] = self.values[start + at : start + length].copy()
        self.columns[start + at], self.values[start + at] = column, value
        self.length[r] += 1
        return None

    def get(self, r: int, column: int) -> float | None:
        """Entry (r, column)'s value (None where there is none)."""
        columns, values = self.row(r)
        at = int(np.searchsorted(columns, column))
        return float(values[at]) if at < len(columns) and columns[at] == column else None

    def remove(self, r: int, column: int) -> float | None:
        """Drop entry (r, column); returns its value (None where there was none)."""
        columns, values = self.row(r)
        at = int(np.searchsorted(columns, column))
        if at == len(columns) or columns[at] != column:
            return None
        previous = float(values[at])
        start, length = self.start[r], self.length[r]
        self.columns[start + at : start + length - 1] = self.columns[start + at + 1 : start + length].copy()
        self.values[start + at : start + length - 1] = self.values[start + at + 1 : start + length].copy()
        self.length[r] -= 1
        return previous

    def _move(self, r: int) -> None:
        """Give row r more room at the end of the arrays (growing them by doubling, or compacting first)."""
        room = max(4, int(self.room[r]) * _GROWTH)
        if self.used > _COMPACT_RATIO * self.nnz + 2**20:
            self._compact()
        if self.used + room > len(self.columns):
            size = max(2 * len(self.columns), self.used + room)
            self.columns = np.resize(self.columns, size)
            self.values = np.resize(self.values, size)
        columns, values = self.row(r)
        self.columns[self.used : self.used + len(columns)] = columns
        self.values[self.used : self.used + len(values)] = values
        self.start[r], self.room[r] = self.used, room
        self.used += room

    def _compact(self) -> None:
        """Rows back to back, each with its own length as room."""
        keep = np.repeat(self.start - np.concatenate([[0], np.cumsum(self.length)[:-1]]), self.length)
        keep += np.arange(len(keep))
        self.columns, self.values = self.columns[keep], self.values[keep]
        self.start = np.concatenate([[0], np.cumsum(self.length)[:-1]]).astype(np.int64)
        self.room = self.length.copy()
        self.used = len(self.columns)


@dataclass
class LiveRatings:
    """Ratings by user and by item on dense indexes (`user_pks[i]`, `item_pks[j]` map them back), with each
    user's count and sum of ratings (what a user-centred weighting needs)."""

    user_pks: np.ndarray
    item_pks: np.ndarray
    by_user: RowStore  # columns: item indexes
    by_item: RowStore  # columns: user indexes
    user_sums: np.ndarray
    user_counts: np.ndarray
    hot: HotRows | None = None  # raw products of the items refreshed lately, kept up to date by `apply`

    @classmethod
    def from_arrays(cls, user_pks: np.ndarray, item_pks: np.ndarray, values: np.ndarray) -> "LiveRatings":
        """From one rating per (user, item): parallel arrays of user pks, item pks and values."""
        users, user_idx = np.unique(np.asarray(user_pks, dtype=np.int64), return_inverse=True)
        items, item_idx = np.unique(np.asarray(item_pks, dtype=np.int64), return_inverse=True)
        values = np.asarray(values, dtype=np.float32)
        matrix = sp.csr_matrix((values, (user_idx, item_idx)), shape=(len(users), len(items)), dtype=np.float32)
        return cls(
            user_pks=users,
            item_pks=items,
            by_user=RowStore(matrix),
            by_item=RowStore(matrix.T.tocsr()),
            user_sums=np.bincount(user_idx, weights=values, minlength=len(users)),
            user_counts=np.bincount(user_idx, minlength=len(users)).astype(np.int64),
        )

    def __post_init__(self):
        self._user_at = {int(pk): i for i, pk in enumerate(self.user_pks.tolist())}
        self._item_at = {int(pk): i for i, pk in enumerate(self.item_pks.tolist())}

    @property
    def nnz(self) -> int:
        return self.by_user.nnz

    def items_index(self, pks) -> np.ndarray:
        """The indexes of items `pks`, adding (empty) those not held yet."""
        return np.array([self._item_index(int(pk)) for pk in pks], dtype=np.int64)

    def items_find(self, pks) -> np.ndarray:
        """The indexes of items `pks`, -1 for those not held."""
        return np.array([self._item_at.get(int(pk), -1) for pk in pks], dtype=np.int64)

    def apply(self, user_pks, item_pks, values) -> int:
        """Set each (user, item) to its value, or remove it where the value is NaN (the rating is gone);
        returns how many entries changed. Writing what is already held changes nothing, so a change
        applied twice is applied once. `hot` rows, where kept, follow each change as it is written."""
        changed = 0
        for user_pk, item_pk, value in zip(user_pks, item_pks, values, strict=True):
            user, item = self._user_index(int(user_pk)), self._item_index(int(item_pk))
            new = None if np.isnan(value) else float(np.float32(value))
            old = self.by_user.get(user, item)
            if old == new:
                continue
            if self.hot is not None:
                self.hot.before_write(self, user, item, old, new)
            if new is None:
                self.by_user.remove(user, item)
                self.by_item.remove(item, user)
                self.user_counts[user] -= 1
            else:
                self.by_user.put(user, item, new)
                self.by_item.put(item, user, new)
                self.user_counts[user] += old is None
            self.user_sums[user] += (new or 0.0) - (old or 0.0)
            changed += 1
        return changed

    def _user_index(self, pk: int) -> int:
        at = self._user_at.get(pk)
        if at is None:
            at = self._user_at[pk] = len(self.user_pks)
            self.user_pks = np.append(self.user_pks, pk)
            self.user_sums = np.append(self.user_sums, 0.0)
            self.user_counts = np.append(self.user_counts, 0)
            self.by_user.rows_add(1)
        return at

    def _item_index(self, pk: int) -> int:
        at = self._item_at.get(pk)
        if at is None:
            at = self._item_at[pk] = len(self.item_pks)
            self.item_pks = np.append(self.item_pks, pk)
            self.by_item.rows_add(1)
        return at

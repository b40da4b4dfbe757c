"""The raw products of the items rated lately, kept up to date rating by rating, so that refreshing a
popular item costs its row (one entry per item), not its raters' every rating.

Row x holds, for every item y, the sum over users of weight(x) * weight(y) (weights as Likes.weights,
before any norm), and with a shrinkage the count of those co-raters. A rating of x by user u changes row
x at each item u rated, and each kept row of those items at x: the work is u's ratings, however many
others rated x. A row not kept is computed (the kernel over its raters' ratings) and kept in place of
a less rated item's. Weights are multiples of 1/16 and a row sums fewer than a million of
them, so the float32 sums are exact, whatever the order they were added in.
"""

import time

import numpy as np

# Memory the kept rows may take unless told otherwise: 2,048 rows of 62k items (the popular ones carry 85%
# of a rating stream's work on the synthetic MovieLens-25M), or every row of a 6.5k-item catalogue.
DEFAULT_BUDGET_BYTES = 512 * 2**20
# Rows computed at a time when warming.
_WARM_CHUNK = 32
# Kept rows are widened by at least this share when items are added.
_WIDEN = 1.25


class HotRows:
    """Kept rows of raw products and co-raters under one weighting (`table`: the weight of each half step)."""

    def __init__(self, table: np.ndarray, *, budget_bytes: int = DEFAULT_BUDGET_BYTES, co_raters: bool = False):
        self.table = np.asarray(table, dtype=np.float32)
        self.budget_bytes = budget_bytes
        self.counts_co_raters = co_raters
        self.capacity = 0
        self.slot_of = np.full(0, -1, dtype=np.int64)  # per item index: its slot, or -1
        self.item_of = np.full(0, -1, dtype=np.int64)
        self.sums = np.zeros((0, 0), dtype=np.float32)
        self.co_raters = np.zeros((0, 0), dtype=np.float32)

    def before_write(self, ratings, user: int, item: int, old: float | None, new: float | None) -> None:
        """User `user`'s rating of `item` goes from `old` to `new` (None: none): update the kept rows.
        Called before `ratings` writes it, so the user's other ratings are as they were."""
        from recengine.knn_kernel import products_update  # numba: refreshes only

        before, after = self._weight(old), self._weight(new)
        if before == after:
            return
        self._widen(ratings)
        columns, values = ratings.by_user.row(user)
        products_update(
            columns, values, item, np.float32(after - before), np.float32((after != 0) - (before != 0)),
            self.table, self.slot_of, self.sums, self.co_raters, self.counts_co_raters,
        )  # fmt: skip

    def products(self, ratings, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows `rows` (item indexes) of raw products and co-raters over every item of `ratings`: copies,
        computed where not kept, and kept (up to the capacity) for the next time. Co-raters are those of
        the rows computed now only, unless the rows count them."""
        from recengine.knn_kernel import rows_products  # numba: refreshes only

        n_items = len(ratings.item_pks)
        self._widen(ratings)
        rows = np.asarray(rows, dtype=np.int64)
        slots = self.slot_of[rows]
        missing = rows[slots < 0]
        sums = np.zeros((len(rows), n_items), dtype=np.float32)
        co_raters = np.zeros((len(rows), n_items), dtype=np.float32)
        kept = slots >= 0
        sums[kept] = self.sums[slots[kept], :n_items]
        if self.counts_co_raters:
            co_raters[kept] = self.co_raters[slots[kept], :n_items]
        if len(missing):
            by_item, by_user = ratings.by_item, ratings.by_user
            fresh_sums = np.zeros((len(missing), n_items), dtype=np.float32)
            fresh_co = np.zeros((len(missing), n_items), dtype=np.float32)
            rows_products(
                by_item.start, by_item.length, by_item.columns, by_item.values,
                by_user.start, by_user.length, by_user.columns, by_user.values,
                np.zeros(len(ratings.user_pks)), False, self.table, np.ones(n_items, dtype=np.float32),
                missing, fresh_sums, fresh_co,
            )  # fmt: skip
            sums[~kept], co_raters[~kept] = fresh_sums, fresh_co
            self._keep(ratings, missing, fresh_sums, fresh_co, busy=rows)
        return sums, co_raters

    def warm(self, ratings, *, seconds: float) -> int:
        """Keep the rows of the most rated items, as many as the budget holds, for at most `seconds`
        (done when the rows are first kept: the first refresh in a process pays it, not every later
        one); how many rows it computed."""
        self._widen(ratings)
        most_rated = np.argsort(-ratings.by_item.length, kind="stable")[: self.capacity]
        wanted = most_rated[self.slot_of[most_rated] < 0]
        deadline = time.monotonic() + seconds
        done = 0
        for first in range(0, len(wanted), _WARM_CHUNK):
            if time.monotonic() >= deadline:
                break
            chunk = wanted[first : first + _WARM_CHUNK]
            self.products(ratings, chunk)
            done += len(chunk)
        return done

    def _keep(self, ratings, rows: np.ndarray, sums: np.ndarray, co_raters: np.ndarray, *, busy: np.ndarray) -> None:
        """Keep computed rows in free slots, else in place of kept rows of less rated items (not among
        `busy`): the most rated items are both the most often rated again and the dearest to compute."""
        counts = ratings.by_item.length
        worth = np.where(self.item_of >= 0, counts[self.item_of.clip(min=0)], -1)
        worth[np.isin(self.item_of, busy)] = np.iinfo(np.int64).max
        for at in np.argsort(-counts[rows], kind="stable").tolist():
            row, slot = int(rows[at]), int(np.argmin(worth))
            if worth[slot] >= counts[row]:
                break  # the rest are rated less still
            if self.item_of[slot] >= 0:
                self.slot_of[self.item_of[slot]] = -1
            self.item_of[slot], self.slot_of[row], worth[slot] = row, slot, np.iinfo(np.int64).max
            self.sums[slot, : sums.shape[1]] = sums[at]
            self.sums[slot, sums.shape[1] :] = 0
            if self.counts_co_raters:
                self.co_raters[slot, : co_raters.shape[1]] = co_raters[at]
                self.co_raters[slot, co_raters.shape[1] :] = 0

    def _widen(self, ratings) -> None:
        """Room for every item of `ratings`: wider rows, as many as the budget holds (those of the most
        rated items kept)."""
        n_items = len(ratings.item_pks)
        if len(self.slot_of) >= n_items:
            return
        width = max(n_items, int(len(self.slot_of) * _WIDEN))
        capacity = max(1, self.budget_bytes // (width * 4 * (1 + self.counts_co_raters)))
        self.slot_of = np.concatenate([self.slot_of, np.full(width - len(self.slot_of), -1, dtype=np.int64)])
        held = np.flatnonzero(self.item_of >= 0)
        keep = held[np.argsort(-ratings.by_item.length[self.item_of[held]], kind="stable")][:capacity]
        self.slot_of[self.item_of[held]] = -1
        self.slot_of[self.item_of[keep]] = np.arange(len(keep))
        for name in ("sums", "co_raters") if self.counts_co_raters else ("sums",):
            wider = np.zeros((capacity, width), dtype=np.float32)
            old = getattr(self, name)
            wider[: len(keep), : old.shape[1]] = old[keep]
            setattr(self, name, wider)
        self.item_of = np.concatenate([self.item_of[keep], np.full(capacity - len(keep), -1, dtype=np.int64)])
        self.capacity = capacity

    def _weight(self, value: float | None) -> float:
        return 0.0 if value is None else float(self.table[int(value * 2)])

"""The fused item-item kernel: a row of the sparse product and its top k in one pass, compiled by numba.

Apart from knn.py so that only a fit or a refresh imports numba (a few tenths of a second and tens of
MiB): a web process that loads a model never does. `cache=True` keeps the machine code in __pycache__
(or in numba's user cache where that is read-only), so the compile (seconds) happens once per install
and Python version, not in every process.
"""

import numba
import numpy as np

# Rows whose multiply-adds exceed n_items / _SCAN_FACTOR find their touched items by scanning every
# item _CHUNK at a time (a vectorised count of the entries above the k-th best so far skips most
# chunks); sparser rows revisit their multiply-adds instead. Measured on ml-latest-small (every row
# dense) and the synthetic power-law set of benchmarks/knn_vs_implicit.py (most rows sparse).
_SCAN_FACTOR = 2
_CHUNK = 64


@numba.njit(nogil=True, cache=True)
def top_k_rows(by_item_ptr, by_item_users, by_item_values, by_user_ptr, by_user_items, by_user_values, rows, k, shrink):
    """For each item in `rows`: its k best positive similarities to other items (highest score, then
    lowest item), as (count per row, items, scores) with each row's entries in item order.

    Row i's similarities are the products of by_item's row i with every row of by_item (by_user is its
    transpose), accumulated in float32 over i's raters in index order: scipy's sparse product does the
    same sums in the same order. With `shrink` > 0 each score is scaled by n / (n + shrink), n its
    co-raters, in float32 too. Per row: a dense accumulator over items (only co-rated pairs cost a
    multiply-add), then a heap of the k best, whose root is the worst kept.
    """
    n_items = len(by_item_ptr) - 1
    k = max(0, min(k, n_items - 1))
    if k == 0:
        return np.zeros(len(rows), dtype=np.int64), np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    shrink = np.float32(shrink)
    sums = np.zeros(n_items + _CHUNK, dtype=np.float32)  # padded: a scan reads whole chunks
    co_raters = np.zeros(n_items + _CHUNK, dtype=np.float32)  # used with shrinkage only
    heap_items = np.empty(k, dtype=np.int32)
    heap_scores = np.empty(k, dtype=np.float32)
    capacity = 0  # a row keeps at most k entries, and no more than it has multiply-adds
    for r in range(len(rows)):
        capacity += min(k, _reach(by_item_ptr, by_item_users, by_user_ptr, rows[r]))
    counts = np.zeros(len(rows), dtype=np.int64)
    items = np.empty(capacity, dtype=np.int32)
    scores = np.empty(capacity, dtype=np.float32)
    written = 0
    for r in range(len(rows)):
        row = rows[r]
        for p in range(by_item_ptr[row], by_item_ptr[row + 1]):
            user, value = by_item_users[p], by_item_values[p]
            if shrink > 0:
                for q in range(by_user_ptr[user], by_user_ptr[user + 1]):
                    sums[by_user_items[q]] += value * by_user_values[q]
                    co_raters[by_user_items[q]] += 1
            else:
                for q in range(by_user_ptr[user], by_user_ptr[user + 1]):
                    sums[by_user_items[q]] += value * by_user_values[q]
        sums[row] = 0  # an item is not its own neighbour
        size = 0
        floor = np.float32(0)  # the k-th best score so far (0 until there are k): candidates beat it
        if _reach(by_item_ptr, by_item_users, by_user_ptr, row) * _SCAN_FACTOR > n_items:
            # Items in ascending order: a candidate equal to the floor has a higher index than every
            # entry kept, so it never wins the tie. Shrinking only lowers a score, so raw sums filter.
            for chunk in range(0, n_items, _CHUNK):
                above = 0
                for item in range(chunk, chunk + _CHUNK):
                    above += sums[item] > floor
                if above:
                    for item in range(chunk, min(chunk + _CHUNK, n_items)):
                        score = _score(sums[item], co_raters[item], shrink)
                        if score > floor:
                            size = _offer(heap_items, heap_scores, size, k, item, score)
                            if size == k:
                                floor = heap_scores[0]
                sums[chunk : chunk + _CHUNK] = 0
                if shrink > 0:
                    co_raters[chunk : chunk + _CHUNK] = 0
        else:
            # Each multiply-add again: an item's first visit reads its sum and clears it, so later
            # visits read 0, which is never kept.
            for p in range(by_item_ptr[row], by_item_ptr[row + 1]):
                user = by_item_users[p]
                for q in range(by_user_ptr[user], by_user_ptr[user + 1]):
                    item = by_user_items[q]
                    score = _score(sums[item], co_raters[item], shrink)
                    sums[item] = 0
                    co_raters[item] = 0
                    if score > floor or (score == floor and score > 0 and item < heap_items[0]):
                        size = _offer(heap_items, heap_scores, size, k, item, score)
                        if size == k:
                            floor = heap_scores[0]
        order = np.argsort(heap_items[:size])
        for o in range(size):
            items[written + o] = heap_items[order[o]]
            scores[written + o] = heap_scores[order[o]]
        written += size
        counts[r] = size
    return counts, items[:written].copy(), scores[:written].copy()


@numba.njit(cache=True)
def _reach(by_item_ptr, by_item_users, by_user_ptr, row):
    """The multiply-adds of `row`: its raters' rating counts, summed."""
    reach = 0
    for p in range(by_item_ptr[row], by_item_ptr[row + 1]):
        user = by_item_users[p]
        reach += by_user_ptr[user + 1] - by_user_ptr[user]
    return reach


@numba.njit(cache=True)
def _score(total, co_raters, shrink):
    """The similarity from its sum of products, shrunk by its co-raters when `shrink` > 0."""
    if shrink > 0:
        return total * (co_raters / (co_raters + shrink))
    return total


@numba.njit(cache=True)
def _offer(heap_items, heap_scores, size, k, item, score):
    """Put (item, score) in the heap of the k best if it ranks above the worst kept; the new size.

    Not inlined into the scans: the heap's branches there cost more than the call (measured).
    """
    if size < k:  # room left: sift up from the end
        at = size
        size += 1
        while at > 0:
            parent = (at - 1) // 2
            if not _better(heap_scores[parent], heap_items[parent], score, item):
                break
            heap_items[at], heap_scores[at] = heap_items[parent], heap_scores[parent]
            at = parent
    elif _better(score, item, heap_scores[0], heap_items[0]):  # replace the worst kept: sift down
        at = 0
        while 2 * at + 1 < size:
            child = 2 * at + 1
            if child + 1 < size and _better(
                heap_scores[child], heap_items[child], heap_scores[child + 1], heap_items[child + 1]
            ):
                child += 1  # the worse child
            if not _better(score, item, heap_scores[child], heap_items[child]):
                break
            heap_items[at], heap_scores[at] = heap_items[child], heap_scores[child]
            at = child
    else:
        return size
    heap_items[at], heap_scores[at] = item, score
    return size


@numba.njit(cache=True)
def _better(score_a, item_a, score_b, item_b):
    """Whether entry a ranks above entry b: a higher score, or the same score and a lower item."""
    return score_a > score_b or (score_a == score_b and item_a < item_b)


@numba.njit(nogil=True, cache=True)
def rows_products(
    item_start, item_length, item_users, item_values, user_start, user_length, user_items, user_values,
    user_means, explicit, table, scale, rows, sums, co_raters,
):  # fmt: skip
    """Each of `rows`' sums of products with every item, into sums[r], and its co-raters into co_raters[r]
    (both zeros on entry), from raw ratings held by item and by user (recengine.live_ratings: rows with a
    start and a length, not an indptr). The row's own item stays 0.

    A rating's weight is `table[2 * rating]` (Likes.weights of every half step), or with `explicit` the
    rating less its user's mean, divided by its item's `scale`: with the columns' norms these are a fit's
    cosine sums (knn.item_neighbors, in float32 as its normalised matrix holds them), with ones the raw
    products a refresh keeps up to date (recengine.hot_rows).
    """
    for r in range(len(rows)):
        row = rows[r]
        row_sums, row_co = sums[r], co_raters[r]
        for p in range(item_start[row], item_start[row] + item_length[row]):
            user = item_users[p]
            mean = user_means[user]
            weight = _weight(item_values[p], mean, explicit, table)
            if weight == 0:
                continue
            value = weight / scale[row]
            first, last = user_start[user], user_start[user] + user_length[user]
            if explicit:
                for q in range(first, last):
                    other = np.float32(np.float64(user_values[q]) - mean)
                    if other != 0:
                        row_sums[user_items[q]] += value * (other / scale[user_items[q]])
                        row_co[user_items[q]] += 1
            else:
                for q in range(first, last):
                    other = table[np.int64(user_values[q] * 2)]
                    if other != 0:
                        row_sums[user_items[q]] += value * (other / scale[user_items[q]])
                        row_co[user_items[q]] += 1
        row_sums[row] = 0
        row_co[row] = 0


@numba.njit(nogil=True, cache=True)
def products_update(columns, values, item, weight_change, co_change, table, slot_of, sums, co_raters, counts):
    """One user's rating of `item` changes its weight by `weight_change` (and its presence by `co_change`):
    bring the kept raw products (and with `counts` the co-raters) up to date over the user's other ratings
    (`columns`, `values`), in the rows of `item` and of each item the user rated, where `slot_of` keeps
    one (-1 where not)."""
    own = slot_of[item]
    for q in range(len(columns)):
        other = columns[q]
        weight = table[np.int64(values[q] * 2)]
        if other == item or weight == 0:
            continue
        if own >= 0:
            sums[own, other] += weight_change * weight
            if counts:
                co_raters[own, other] += co_change
        slot = slot_of[other]
        if slot >= 0:
            sums[slot, item] += weight_change * weight
            if counts:
                co_raters[slot, item] += co_change


@numba.njit(nogil=True, cache=True)
def columns_norms(item_start, item_length, item_users, item_values, user_means, explicit, table, rows):
    """The l2 norm of each of `rows`' weighted columns, summed in float32 in user order as a fit's is."""
    norms = np.zeros(len(rows), dtype=np.float32)
    for r in range(len(rows)):
        row = rows[r]
        total = np.float32(0)
        for p in range(item_start[row], item_start[row] + item_length[row]):
            weight = _weight(item_values[p], user_means[item_users[p]], explicit, table)
            total += weight * weight
        norms[r] = np.sqrt(total)
    return norms


@numba.njit(cache=True)
def _weight(value, user_mean, explicit, table):
    """A raw rating's weight: the rating less its user's mean (explicit), else its half step's in `table`."""
    if explicit:
        return np.float32(np.float64(value) - user_mean)
    return table[np.int64(value * 2)]

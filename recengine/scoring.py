"""Scoring items for a user from the neighbour matrix, with evidence and a popularity fill."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

EVIDENCE_ITEMS = 3


@dataclass(frozen=True)
class Evidence:
    """One of the user's items that led to a recommendation, and its share of the score."""

    item: int
    share: float


@dataclass(frozen=True)
class Ranked:
    item: int
    score: float
    source: str  # "knn" (from the user's items) or "popular" (the fill)
    evidence: tuple[Evidence, ...] = ()


def popularity_scores(
    item_idx: np.ndarray, values: np.ndarray, *, n_items: int, prior: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bayesian-averaged rating per item, and the count of ratings.

    An item's mean is pulled toward the global mean as if it had `prior` more ratings at that mean,
    so three 5-star ratings do not outrank three hundred 4.5s.
    """
    counts = np.bincount(item_idx, minlength=n_items).astype(np.float64)
    sums = np.bincount(item_idx, weights=values, minlength=n_items)
    return popularity_from_sums(counts, sums, prior=prior), counts


def popularity_from_sums(counts: np.ndarray, sums: np.ndarray, *, prior: float) -> np.ndarray:
    """`popularity_scores` from each item's count and sum of ratings (kept per item by the refresh)."""
    counts, sums = np.asarray(counts, dtype=np.float64), np.asarray(sums, dtype=np.float64)
    global_mean = float(sums.sum() / counts.sum()) if counts.sum() else 0.0
    scores = (prior * global_mean + sums) / (prior + counts)
    return np.where(counts > 0, scores, -np.inf)


def popularity_order(scores: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Item indices, most popular first: by score, then by count, then by index."""
    return np.lexsort((np.arange(len(scores)), -counts, -scores))


def top_n(scores: np.ndarray, n: int, rank: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Indices of the n best-scoring eligible items with a positive score; ties go to the better `rank`."""
    candidates = np.flatnonzero(eligible & (scores > 0))
    if len(candidates) > n > 0:
        kth = np.partition(scores[candidates], len(candidates) - n)[len(candidates) - n]
        candidates = candidates[scores[candidates] >= kth]
    order = np.lexsort((rank[candidates], -scores[candidates]))
    return candidates[order[:n]]


def rank(
    scores: np.ndarray, *, n: int, eligible: np.ndarray, popular: np.ndarray, popularity_rank: np.ndarray
) -> tuple[np.ndarray, int]:
    """The n eligible items to show: the best positive scores, then the most popular others.

    Returns the item indices and how many of them came from the scores (the rest are the fill).
    """
    chosen = top_n(scores, n, popularity_rank, eligible)
    if len(chosen) == n:
        return chosen, n
    remaining = eligible.copy()
    remaining[chosen] = False
    fill = popular[remaining[popular]][: n - len(chosen)]
    return np.concatenate([chosen, fill]), len(chosen)


def recommend(
    neighbors: sp.csr_matrix,
    *,
    rated: np.ndarray,
    weights: np.ndarray,
    n: int,
    popular: np.ndarray,
    popularity_rank: np.ndarray,
    exclude: np.ndarray | None = None,
    allowed: np.ndarray | None = None,
    citable: np.ndarray | None = None,
) -> list[Ranked]:
    """The user's top n, each with its evidence: items similar to what they rated, then popular ones.

    `rated`/`weights`: the user's item indices and their weights (see matrix.user_weights); `citable`:
    which of them evidence may name (the likes; default all). Never returns a rated item, an item in
    `exclude`, or one outside the `allowed` mask.
    """
    rated = np.asarray(rated, dtype=np.int64)
    eligible = np.ones(neighbors.shape[0], dtype=bool) if allowed is None else allowed.copy()
    eligible[rated] = False
    if exclude is not None:
        eligible[exclude] = False
    contributions = neighbors[rated]  # rows: the user's items; columns: their neighbours
    scores = np.asarray(contributions.T @ weights).ravel()
    items, from_scores = rank(scores, n=n, eligible=eligible, popular=popular, popularity_rank=popularity_rank)
    results = _with_evidence(contributions, weights, rated, items[:from_scores], scores, citable)
    return results + [Ranked(item=int(i), score=0.0, source="popular") for i in items[from_scores:]]


def _with_evidence(
    contributions: sp.csr_matrix,
    weights: np.ndarray,
    rated: np.ndarray,
    chosen: np.ndarray,
    scores: np.ndarray,
    citable: np.ndarray | None,
) -> list[Ranked]:
    """Each chosen item with the citable rated items that added most to its score. A share is of all
    the positive contributions, so an item a user rated low but not cited still counts in the total."""
    if not len(chosen):
        return []
    parts = contributions[:, chosen].toarray() * weights[:, None]  # rated x chosen
    results = []
    for column, item in enumerate(chosen):
        part = parts[:, column]
        total = part[part > 0].sum()
        positive = np.flatnonzero((part > 0) if citable is None else (part > 0) & citable)
        best = positive[np.lexsort((rated[positive], -part[positive]))][:EVIDENCE_ITEMS]
        evidence = tuple(Evidence(item=int(rated[r]), share=round(float(part[r] / total), 4)) for r in best)
        results.append(Ranked(item=int(item), score=float(scores[item]), source="knn", evidence=evidence))
    return results


def evidence_for(
    neighbors: sp.csr_matrix,
    *,
    rated: np.ndarray,
    weights: np.ndarray,
    items: np.ndarray,
    citable: np.ndarray | None = None,
) -> list[tuple[Evidence, ...]]:
    """For each of `items`, the user's (citable) rated items that contributed most to its score, with
    shares."""
    rated = np.asarray(rated, dtype=np.int64)
    contributions = neighbors[rated]
    scores = np.asarray(contributions.T @ weights).ravel()
    chosen = _with_evidence(contributions, weights, rated, np.asarray(items), scores, citable)
    return [r.evidence for r in chosen]


def blend(
    collaborative: np.ndarray,
    similarity: np.ndarray,
    *,
    eligible: np.ndarray,
    weight: float,
    n: int,
    pool: int = 300,
    bonus: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rank eligible items by weight x collaborative + (1 - weight) x similarity, each scaled to 0-1, plus
    `bonus` (added as is: a bonus of 1 puts an item ahead of every item without one).

    The candidates are the `pool` best eligible items by each signal (and by the bonus), together; the
    collaborative scores are divided by the best candidate's, the similarities min-max scaled over the
    candidates. Returns the n best indices and their blended scores; ties go to the lower index.
    """
    indices = np.flatnonzero(eligible)
    if not len(indices) or n <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    by_cf = indices[np.argsort(-collaborative[indices], kind="stable")[:pool]]
    by_similarity = indices[np.argsort(-similarity[indices], kind="stable")[:pool]]
    candidates = np.union1d(by_cf, by_similarity)
    if bonus is not None:
        boosted = indices[bonus[indices] > 0]
        candidates = np.union1d(candidates, boosted[np.argsort(-bonus[boosted], kind="stable")[:pool]])
    cf = np.maximum(collaborative[candidates], 0.0)
    cf = cf / cf.max() if cf.max() > 0 else cf
    sim = similarity[candidates]
    spread = sim.max() - sim.min()
    sim = (sim - sim.min()) / spread if spread > 0 else np.zeros_like(sim)
    scores = weight * cf + (1 - weight) * sim
    if bonus is not None:
        scores = scores + bonus[candidates]
    order = np.lexsort((candidates, -scores))[:n]
    return candidates[order], scores[order]


def relaxed_choice(
    steps: list[np.ndarray], *, n: int, choose: Callable[[np.ndarray, int], np.ndarray]
) -> tuple[np.ndarray, list[int]]:
    """n items taken from masks of eligible items, each step a looser set of constraints: the first
    step's best (by `choose(mask, k)`, k best indices), then the next step's among the items not taken,
    and so on until there are n. Returns the indices and the steps (after the first) that gave any."""
    taken = np.zeros(len(steps[0]) if steps else 0, dtype=bool)
    chosen: list[np.ndarray] = []
    used: list[int] = []
    for step, eligible in enumerate(steps):
        missing = n - int(taken.sum())
        if missing <= 0:
            break
        picked = choose(eligible & ~taken, missing)
        if len(picked):
            chosen.append(picked)
            taken[picked] = True
            if step:
                used.append(step)
    return (np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)), used


def popular_unseen(popular: np.ndarray, seen: sp.csr_matrix, *, n: int) -> np.ndarray:
    """The popularity baseline: each row's n most popular unseen items (rows padded with -1)."""
    n_items = seen.shape[1]
    result = np.full((seen.shape[0], n), -1, dtype=np.int64)
    for user in range(seen.shape[0]):
        eligible = np.ones(n_items, dtype=bool)
        eligible[seen[user].indices] = False
        items = popular[eligible[popular]][:n]
        result[user, : len(items)] = items
    return result

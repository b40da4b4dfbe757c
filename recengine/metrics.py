"""Top-n ranking metrics with binary relevance, averaged over users who have relevant items."""

import numpy as np
from scipy.stats import rankdata


def popularity_percentiles(item_counts: np.ndarray) -> np.ndarray:
    """Each item's place in the catalogue by its (training) rating count, from 0 (the least rated) to
    1 (the most rated): (average rank among all items, ties sharing it, minus 1) / (items - 1)."""
    n = len(item_counts)
    if n < 2:
        return np.zeros(n)
    return (rankdata(item_counts, method="average") - 1.0) / (n - 1)


def ranking_metrics(
    recommended: np.ndarray,
    relevant: list[np.ndarray],
    *,
    n_items: int,
    k: int = 10,
    item_counts: np.ndarray | None = None,
) -> dict:
    """NDCG@k, Recall@k, Recall@2k, HR@k, Precision@k, catalogue coverage@k and, given the items'
    training rating counts, popularity bias@k.

    `recommended`: users x (at least 2k) item indices, best first, -1 for an empty place.
    `relevant[u]`: user u's relevant held-out items. Users with none are skipped by every metric.
    Recall@k = hits in the top k / number relevant; NDCG@k uses gains 1/log2(rank+1) and the ideal
    ordering of min(relevant, k) hits; coverage@k = distinct items in all top-k lists / n_items;
    popularity bias@k = the mean over users of the mean `popularity_percentiles` of their top k (0.5
    for lists drawn at random from the catalogue, near 1 for the most popular items).
    """
    discounts = 1.0 / np.log2(np.arange(2, 2 * k + 2))
    percentiles = popularity_percentiles(item_counts) if item_counts is not None else None
    ndcg, recall, recall_2k, hit, precision, bias = [], [], [], [], [], []
    shown = set()
    for row, truth in zip(recommended, relevant, strict=True):
        if len(truth) == 0:
            continue
        hits = np.isin(row[: 2 * k], truth) & (row[: 2 * k] >= 0)
        top = hits[:k]
        ideal = discounts[: min(len(truth), k)].sum()
        ndcg.append(float((discounts[:k][top]).sum() / ideal))
        recall.append(top.sum() / len(truth))
        recall_2k.append(hits.sum() / len(truth))
        hit.append(float(top.any()))
        precision.append(top.sum() / k)
        listed = row[:k][row[:k] >= 0]
        shown.update(int(i) for i in listed)
        if percentiles is not None and len(listed):
            bias.append(float(percentiles[listed].mean()))
    mean = lambda values: float(np.mean(values)) if values else 0.0  # noqa: E731
    result = {
        f"ndcg@{k}": mean(ndcg),
        f"recall@{k}": mean(recall),
        f"recall@{2 * k}": mean(recall_2k),
        f"hr@{k}": mean(hit),
        f"precision@{k}": mean(precision),
        f"coverage@{k}": len(shown) / n_items if n_items else 0.0,
    }
    if percentiles is not None:
        result[f"popularity_bias@{k}"] = mean(bias)
    result["users"] = len(ndcg)
    return result

"""Top-n ranking metrics with binary relevance, averaged over users who have relevant items."""

import numpy as np


def ranking_metrics(recommended: np.ndarray, relevant: list[np.ndarray], *, n_items: int, k: int = 10) -> dict:
    """NDCG@k, Recall@k, Recall@2k, HR@k, Precision@k and catalogue coverage@k.

    `recommended`: users x (at least 2k) item indices, best first, -1 for an empty place.
    `relevant[u]`: user u's held-out items. Users with none are skipped.
    Recall@k = hits in the top k / number relevant; NDCG@k uses gains 1/log2(rank+1) and the ideal
    ordering of min(relevant, k) hits; coverage@k = distinct items in all top-k lists / n_items.
    """
    discounts = 1.0 / np.log2(np.arange(2, 2 * k + 2))
    ndcg, recall, recall_2k, hit, precision = [], [], [], [], []
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
        shown.update(int(i) for i in row[:k] if i >= 0)
    mean = lambda values: float(np.mean(values)) if values else 0.0  # noqa: E731
    return {
        f"ndcg@{k}": mean(ndcg),
        f"recall@{k}": mean(recall),
        f"recall@{2 * k}": mean(recall_2k),
        f"hr@{k}": mean(hit),
        f"precision@{k}": mean(precision),
        f"coverage@{k}": len(shown) / n_items if n_items else 0.0,
        "users": len(ndcg),
    }

"""Which items each synthetic user rates (benchmarks/synth.py): weighted sampling without replacement.

A user's weight for an item mixes global popularity with popularity inside the user's taste clusters.
Light users draw with replacement and keep first occurrences (that is sampling without replacement,
and cheap while the user needs few items); heavy users, and light ones still short after a few rounds,
take the Gumbel top-k of their weights over the whole catalogue, the same distribution computed in one go.
"""

import numpy as np

CLUSTER_PICK = 0.8  # share of a user's weight inside their clusters (the rest follows global popularity)
HEAVY = 200  # users needing more distinct items than this take the Gumbel path
ROUNDS = 8
GUMBEL_ROWS = 64  # users per matrix in the Gumbel path (rows x items floats)


def draw_block(rng: np.random.Generator, world: dict, begin: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """(user, item) pairs for users [begin, end), each user's `activity` distinct items, grouped by user."""
    need = world["activity"][begin:end]
    short = np.flatnonzero(need <= HEAVY) + begin
    users, items = np.zeros(0, np.int64), np.zeros(0, np.int64)
    for _ in range(ROUNDS):
        if short.size == 0:
            break
        users, items, short = _round(rng, world, users, items, short, begin)
    heavy = np.concatenate([np.flatnonzero(need > HEAVY) + begin, short])
    if heavy.size:
        drop = np.isin(users, short)  # redrawn whole on the Gumbel path
        users, items = users[~drop], items[~drop]
        heavy_users, heavy_items = _gumbel(rng, world, heavy)
        users, items = np.concatenate([users, heavy_users]), np.concatenate([items, heavy_items])
    order = np.argsort(users, kind="stable")
    return users[order], items[order]


def _round(rng, world, users, items, short, begin):
    """One more round of draws for the users still short; returns the pairs and who is still short."""
    need = world["activity"]
    have = np.bincount(users - begin, minlength=short.max() - begin + 1)[short - begin] if users.size else 0
    missing = need[short] - have
    draws = np.repeat(short, np.ceil(missing * 1.3).astype(np.int64) + 4)
    users = np.concatenate([users, draws])
    items = np.concatenate([items, _pick(rng, world, draws)])
    _, first = np.unique(users * world["items"] + items, return_index=True)
    first.sort()  # first occurrences, in draw order (earlier rounds first)
    users, items = users[first], items[first]
    order = np.argsort(users, kind="stable")
    users, items = users[order], items[order]
    starts = np.searchsorted(users, users)  # where each row's user begins
    keep = np.arange(users.size) - starts < need[users]
    users, items = users[keep], items[keep]
    have = np.bincount(users - begin, minlength=short.max() - begin + 1)[short - begin]
    return users, items, short[have < need[short]]


def _pick(rng: np.random.Generator, world: dict, users: np.ndarray) -> np.ndarray:
    """One item per draw: in one of the user's clusters (by popularity there), or by global popularity."""
    n = users.size
    picks = np.searchsorted(world["global_cdf"], rng.random(n) * world["global_cdf"][-1])
    inside = rng.random(n) < CLUSTER_PICK
    taste = world["tastes"][users[inside], rng.integers(0, world["taste_count"][users[inside]])]
    slot = np.searchsorted(world["cluster_cdf"], taste + rng.random(taste.size))
    picks[inside] = world["by_cluster"][np.minimum(slot, world["items"] - 1)]
    return np.minimum(picks, world["items"] - 1)


def _gumbel(rng: np.random.Generator, world: dict, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each user's `activity` items by Gumbel top-k over the log of their weights (exact weighted sampling
    without replacement)."""
    popularity, cluster = world["popularity"], world["cluster"]
    within = popularity / np.maximum(world["cluster_mass"][cluster], 1e-300)
    out_users, out_items = [], []
    for start in range(0, users.size, GUMBEL_ROWS):
        batch = users[start : start + GUMBEL_ROWS]
        tastes = np.zeros((batch.size, world["cluster_mass"].size))
        for k in range(3):
            has = k < world["taste_count"][batch]
            np.add.at(tastes, (np.flatnonzero(has), world["tastes"][batch[has], k]), 1.0)
        tastes /= world["taste_count"][batch][:, None]
        weights = (1 - CLUSTER_PICK) * popularity + CLUSTER_PICK * tastes[:, cluster] * within
        keys = np.log(weights) - np.log(-np.log(rng.random(weights.shape)))
        for row, user in enumerate(batch.tolist()):
            n = int(world["activity"][user])
            out_items.append(np.argpartition(-keys[row], n - 1)[:n])
            out_users.append(np.full(n, user, np.int64))
    return np.concatenate(out_users), np.concatenate(out_items)

"""Write a synthetic MovieLens (ml-latest format) directory of any size: movies, ratings, tags, links.

    python benchmarks/synth.py --out /work/data/synth-25m                      # 25M ratings, 162k users, 62k items
    python benchmarks/synth.py --ratings 1000000 --out /work/data/synth-1m     # users and items scale with --ratings
    python benchmarks/synth.py --ratings 5000 --users 100 --items 600 --seed 3 --out /tmp/tiny

Shaped like MovieLens-25M, generated (never downloaded), the same bytes for the same arguments and seed:
- Zipf-like item popularity and user activity (every user rates at least 20 items, as in MovieLens);
- latent taste clusters: a user prefers the items of one to three clusters and rates them higher, so
  collaborative filtering has something to find; each cluster leans to two genres;
- half-star ratings with MovieLens' skew (4.0 most common, mean about 3.5), each user's rows in
  increasing time; 1-3 genres from MovieLens' list; years 1920-2023, mostly recent; unique-ish titles;
- tags on a fraction of the items (popular ones most), drawn from their cluster's words; links.csv.
Ratings are made and written per block of users, so memory stays bounded at any size.
"""

import argparse
import csv
import itertools
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.synth_draws import draw_block  # noqa: E402
from benchmarks.synth_text import format_ratings, item_titles, tag_words  # noqa: E402

ML25M = {"ratings": 25_000_000, "users": 162_000, "items": 62_000}
MIN_PER_USER = 20
GENRES = ("Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
          "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
          "Western")  # fmt: skip
# How often each genre appears in ml-25m's movies.csv (per thousand), to weigh the extra genres.
GENRE_WEIGHT = np.array([75, 43, 27, 27, 167, 55, 47, 250, 27, 3, 54, 2, 17, 30, 73, 38, 82, 14, 12], float)
# ml-25m's share of each half star, 0.5 to 5.0: the rating histogram the scores are mapped onto.
STAR_SHARE = np.array([1.6, 3.1, 1.6, 6.6, 5.0, 19.6, 12.6, 26.6, 8.5, 14.5])
CLUSTERS = 24
START, END = 820_454_400, 1_700_000_000  # 1996-01-01 .. 2023-11-14 (rating timestamps)
USERS_PER_BLOCK_RATINGS = 2_000_000  # ratings made per block of users


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, default=ML25M["ratings"])
    parser.add_argument("--users", type=int, help="default: 162k, scaled with --ratings")
    parser.add_argument("--items", type=int, help="default: 62k, scaled with --ratings to the power 0.7")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="directory to write (created; its CSV files are replaced)")
    args = parser.parse_args(argv)
    scale = args.ratings / ML25M["ratings"]
    users = args.users if args.users is not None else max(1, round(ML25M["users"] * scale))
    # As in the MovieLens releases (100k, 1M, 25M), users grow with the ratings and items more slowly.
    items = args.items if args.items is not None else max(MIN_PER_USER * 2, round(ML25M["items"] * scale**0.7))
    try:
        _check(args.ratings, users, items)
    except ValueError as exc:
        print(f"synth.py: {exc}", file=sys.stderr)
        return 2
    started = time.monotonic()
    out = Path(args.out)
    try:
        written = synth_write(out, ratings=args.ratings, users=users, items=items, seed=args.seed, log=print)
    except OSError as exc:
        print(f"synth.py: cannot write {exc.filename or out} ({exc.strerror})", file=sys.stderr)
        return 2
    print(f"wrote {out}: {written} ratings, {users} users, {items} items in {time.monotonic() - started:.1f} s")
    return 0


def _check(ratings: int, users: int, items: int) -> None:
    if users < 1 or items < 1:
        raise ValueError("--users and --items must be at least 1")
    if items < MIN_PER_USER * 2:
        raise ValueError(f"--items must be at least {MIN_PER_USER * 2} (every user rates {MIN_PER_USER})")
    if ratings < MIN_PER_USER * users:
        raise ValueError(f"--ratings {ratings} is fewer than {MIN_PER_USER} per user for {users} users")
    if ratings > users * items // 4:
        raise ValueError(f"--ratings {ratings} is more than a quarter of {users} users x {items} items")


def synth_write(out: Path, *, ratings: int, users: int, items: int, seed: int = 0, log=None) -> int:
    """Write movies.csv, links.csv, tags.csv and ratings.csv into `out`; returns the ratings written."""
    _check(ratings, users, items)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    world = _world(rng, users=users, items=items, ratings=ratings)
    _write_movies(out / "movies.csv", world, rng)
    _write_links(out / "links.csv", world, rng)
    _write_tags(out / "tags.csv", world, rng, count=max(1, ratings // 25))
    return _write_ratings(out / "ratings.csv", world, rng, log=log)


def _zipf(rng: np.random.Generator, n: int, exponent: float, offset: float) -> np.ndarray:
    """Weights (rank + offset)^-exponent, shuffled over n slots."""
    weights = (np.arange(n) + offset) ** -exponent
    return rng.permutation(weights / weights.sum())


def _world(rng: np.random.Generator, *, users: int, items: int, ratings: int) -> dict:
    """Everything fixed before ratings are drawn: ids, clusters, popularity, biases, activity."""
    movie_ids = np.sort(rng.choice(np.arange(1, int(items * 3.4) + 2), size=items, replace=False))
    cluster = rng.integers(0, CLUSTERS, size=items)
    popularity = _zipf(rng, items, exponent=2.3, offset=max(3.0, items / 100))
    # Per cluster, its items' popularity as one increasing CDF in [c, c + 1): x = c + U picks within c.
    by_cluster = np.lexsort((np.arange(items), cluster))
    cluster_cdf, cluster_mass = np.empty(items), np.zeros(CLUSTERS)
    starts = np.searchsorted(cluster[by_cluster], np.arange(CLUSTERS + 1))
    for c in range(CLUSTERS):
        part = popularity[by_cluster[starts[c] : starts[c + 1]]]
        cluster_mass[c] = part.sum()
        cluster_cdf[starts[c] : starts[c + 1]] = c + np.cumsum(part) / max(cluster_mass[c], 1e-300)
    # Activity: 20 each, the rest shared out by a heavy tail, each user capped at a fifth of the catalogue.
    cap = max(MIN_PER_USER, items // 5)
    tail = rng.pareto(1.3, size=users) + 0.05
    activity = np.full(users, MIN_PER_USER, np.int64)
    spare = ratings - activity.sum()
    while spare > 0:
        room = cap - activity
        share = np.where(room > 0, tail, 0.0)
        add = np.minimum(np.floor(spare * share / share.sum()).astype(np.int64), room)
        if add.sum() == 0:  # the remainder is smaller than one rating each: give it to the heaviest
            add[np.argsort(-share, kind="stable")[:spare]] = 1
            add = np.minimum(add, room)
        activity += add
        spare = ratings - activity.sum()
    tastes = rng.integers(0, CLUSTERS, size=(users, 3))
    span = np.minimum(rng.lognormal(17.0, 1.6, users), 6e8)  # seconds between a user's first and last rating
    taste_count = rng.choice([1, 2, 3], size=users, p=[0.35, 0.45, 0.2])
    return {
        "users": users, "items": items, "movie_ids": movie_ids, "cluster": cluster, "popularity": popularity,
        "global_cdf": np.cumsum(popularity), "by_cluster": by_cluster, "cluster_cdf": cluster_cdf,
        "cluster_mass": cluster_mass,
        "activity": activity, "tastes": tastes, "taste_count": taste_count,
        "user_bias": rng.normal(0, 0.45, users), "item_bias": rng.normal(0, 0.5, items),
        "user_span": span,
        "user_start": START + (END - START - span) * rng.beta(2.2, 1.4, users),
        "year": np.clip(2023 - np.floor(rng.exponential(21, items)), 1920, 2023).astype(np.int64),
        "genres": _genres(rng, cluster),
    }  # fmt: skip


def _genres(rng: np.random.Generator, cluster: np.ndarray) -> list[str]:
    """1-3 genres per item: one of its cluster's two leading genres, then others by MovieLens frequency."""
    lead = np.stack([rng.choice(len(GENRES), size=2, replace=False, p=_p(GENRE_WEIGHT)) for _ in range(CLUSTERS)])
    first = lead[cluster, rng.integers(0, 2, cluster.size)]
    count = rng.choice([1, 2, 3], size=cluster.size, p=[0.4, 0.38, 0.22])
    extra = rng.choice(len(GENRES), size=(cluster.size, 2), p=_p(GENRE_WEIGHT))
    second_lead = lead[cluster, 1] != first
    extra[:, 0] = np.where(rng.random(cluster.size) < 0.5, np.where(second_lead, lead[cluster, 1], lead[cluster, 0]),
                           extra[:, 0])  # fmt: skip
    result = []
    for n, g0, (g1, g2) in zip(count.tolist(), first.tolist(), extra.tolist(), strict=True):
        names = dict.fromkeys([GENRES[g0], GENRES[g1], GENRES[g2]][:n])
        result.append("|".join(names))
    none = rng.random(cluster.size) < 0.01
    return [("(no genres listed)" if empty else names) for names, empty in zip(result, none, strict=True)]


def _p(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _write_movies(path: Path, world: dict, rng: np.random.Generator) -> None:
    titles = item_titles(rng, world["items"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["movieId", "title", "genres"])
        for movie_id, title, year, genres in zip(
            world["movie_ids"].tolist(), titles, world["year"].tolist(), world["genres"], strict=True
        ):
            writer.writerow([movie_id, f"{title} ({year})", genres])


def _write_links(path: Path, world: dict, rng: np.random.Generator) -> None:
    imdb = np.sort(rng.choice(np.arange(10_000, 9_999_999), size=world["items"], replace=False))
    tmdb = rng.permutation(np.arange(2, world["items"] * 4 + 2))[: world["items"]]
    missing = rng.random(world["items"]) < 0.002
    with path.open("w", encoding="utf-8") as handle:
        handle.write("movieId,imdbId,tmdbId\n")
        for movie_id, imdb_id, tmdb_id, gone in zip(world["movie_ids"].tolist(), imdb.tolist(), tmdb.tolist(),
                                                    missing.tolist(), strict=True):  # fmt: skip
            handle.write(f"{movie_id},{imdb_id:07d},{'' if gone else tmdb_id}\n")


def _write_tags(path: Path, world: dict, rng: np.random.Generator, *, count: int) -> None:
    """Tag applications: popular items get most, from a tenth of the users, in the item's cluster's words."""
    words, per_cluster = tag_words(rng, CLUSTERS)
    weight = world["popularity"] ** 0.8
    tagged = rng.random(world["items"]) < 0.35
    weight = np.where(tagged, weight, 0.0)
    item = rng.choice(world["items"], size=count, p=weight / weight.sum())
    own = rng.random(count) < 0.75
    word = np.where(own, per_cluster[world["cluster"][item], rng.integers(0, per_cluster.shape[1], count)],
                    rng.integers(0, len(words), count))  # fmt: skip
    taggers = max(1, world["users"] // 10)
    user = 1 + rng.integers(0, taggers, count) * max(1, world["users"] // taggers)
    stamp = rng.integers(START + 3 * 10**8, END, count)
    order = np.lexsort((stamp, user))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["userId", "movieId", "tag", "timestamp"])
        movie_ids = world["movie_ids"]
        for n in order.tolist():
            writer.writerow([int(user[n]), int(movie_ids[item[n]]), words[word[n]], int(stamp[n])])


def _write_ratings(path: Path, world: dict, rng: np.random.Generator, *, log=None) -> int:
    """Ratings, user by user in increasing time, drawn and written one block of users at a time."""
    activity = world["activity"]
    bounds = [0]
    totals = np.cumsum(activity)
    while bounds[-1] < world["users"]:
        target = (totals[bounds[-1] - 1] if bounds[-1] else 0) + USERS_PER_BLOCK_RATINGS
        bounds.append(max(bounds[-1] + 1, int(np.searchsorted(totals, target, side="right"))))
    bounds[-1] = world["users"]
    written, started = 0, time.monotonic()
    with path.open("wb") as handle:
        handle.write(b"userId,movieId,rating,timestamp\n")
        for begin, end in itertools.pairwise(bounds):
            users, items, halves, stamps = _scores(rng, world, *draw_block(rng, world, begin, end))
            handle.write(format_ratings(users + 1, world["movie_ids"][items], halves, stamps))
            written += users.size
            if log:
                log(f"ratings: {written:,} of {int(totals[-1]):,} ({written / (time.monotonic() - started):,.0f}/s)")
    return written


def _scores(rng, world, users, items):
    """Half stars from user and item biases, a bonus for the user's clusters and noise, cut at the block's
    quantiles that give STAR_SHARE; rows put in increasing time within each user."""
    liked = (world["tastes"][users] == world["cluster"][items][:, None]).any(axis=1)
    score = world["user_bias"][users] + world["item_bias"][items] + 0.8 * liked + rng.normal(0, 0.7, users.size)
    thresholds = np.quantile(score, np.cumsum(STAR_SHARE)[:-1] / STAR_SHARE.sum())
    halves = np.searchsorted(thresholds, score) + 1  # 1..10 half stars
    offsets = rng.random(users.size)
    order = np.lexsort((offsets, users))  # each user's rows in increasing time
    users, items, halves, offsets = users[order], items[order], halves[order], offsets[order]
    stamps = world["user_start"][users] + world["user_span"][users] * offsets
    return users, items, halves, stamps.astype(np.int64)


if __name__ == "__main__":
    sys.exit(main())

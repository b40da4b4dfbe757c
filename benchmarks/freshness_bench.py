"""Freshness: from a rating POST to changed recommendations, with a real worker, PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recsite REDIS_URL=redis://127.0.0.1:6379/14 \\
        python benchmarks/freshness_bench.py [--ratings 50]

In a scratch database `<name>_bench`: imports ml-latest-small, trains item-kNN (the algorithm with the
in-place refresh; the default, EASE, follows ratings at the scheduled retrain), starts
`celery -A recsite worker -Q default -c 1`, then --ratings times (seeded users, each rating 5.0 an item
they have not rated, from the 500 most popular) POSTs the site's rating form and measures:
- the POST itself (the rating, its dirty marker, the commit, the coalesced refresh request);
- until the rater's own list of 10 is different (lists are computed from the live ratings);
- until the model refresh is committed and serving: the active version's revision moved on and this
  process's in-memory model reloaded it, which is when every other user's list reflects the rating.
Each rating waits for the previous refresh to finish. Prints p50 and p99 and writes docs/BENCHMARKS.md.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import django_on_scratch_database, write_section  # noqa: E402


def quantiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def watch(*, own_changed, refreshed, started: float, own_window: float = 2.0, timeout: float = 30.0):
    """Seconds from `started` until the rater's list changed (None if not within `own_window`) and until
    the refresh was served, both watched in one loop so neither wait delays the other's clock."""
    own_at = refresh_at = None
    while True:
        now = time.perf_counter() - started
        if own_at is None and now < own_window and own_changed():
            own_at = time.perf_counter() - started
        if refresh_at is None and refreshed():
            refresh_at = time.perf_counter() - started
        if refresh_at is not None and (own_at is not None or now >= own_window):
            return own_at, refresh_at
        if now > timeout:
            sys.exit("freshness_bench: the refresh did not land within 30 s")
        time.sleep(0.005)


def wait_until(condition, *, timeout: float) -> bool:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if condition():
            return True
        time.sleep(0.01)
    return False


def start_worker() -> subprocess.Popen:
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "default", "-c", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=REPO, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    for line in worker.stdout:
        if " ready." in line:
            return worker
    sys.exit(f"freshness_bench: the worker did not start (exit {worker.wait()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--ratings", type=int, default=50)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        sys.exit("freshness_bench: set REDIS_URL (the refresh runs on a real worker through Redis)")

    os.environ["RECSITE_ALGORITHM"] = "item-knn"  # here and in the worker, which inherits the environment
    django_on_scratch_database("freshness_bench")
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    from datasets.services import dataset_import
    from feedback.models import Rating
    from recommendations.models import DirtyItem, ModelVersion
    from recommendations.selectors import recommendations_for_user
    from recommendations.services.training import model_train
    from recommendations.serving import serving_model

    dataset_import(path=Path(args.data))
    version = model_train()
    cache.clear()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("default")
    worker = start_worker()
    try:
        rng = random.Random(0)
        users = list(get_user_model().objects.filter(ratings__isnull=False).distinct().order_by("pk"))
        popular = version.popular_item_ids[:500]
        post, own, refresh = [], [], []
        unchanged_own = 0
        for user in rng.sample(users, args.ratings):
            rated = set(Rating.objects.filter(user=user).values_list("item_id", flat=True))
            item_id = rng.choice([pk for pk in popular if pk not in rated])
            client = Client(HTTP_HOST="localhost")
            client.force_login(user)
            before = [r.item.pk for r in recommendations_for_user(user=user, n=10)]
            revision = ModelVersion.objects.get(status="active").revision

            started = time.perf_counter()
            response = client.post(reverse("feedback:item-rate", args=[item_id]), {"value": "5.0"})
            post.append(time.perf_counter() - started)
            assert response.status_code == 302, response.status_code
            own_at, refresh_at = watch(
                own_changed=lambda u=user, b=before: [r.item.pk for r in recommendations_for_user(user=u, n=10)] != b,
                refreshed=lambda r=revision: serving_model().revision > r,
                started=started,
            )
            if own_at is None:
                unchanged_own += 1
            else:
                own.append(own_at)
            refresh.append(refresh_at)
            assert wait_until(lambda: not DirtyItem.objects.exists(), timeout=30)
            print(f"rating {len(post)}: POST {post[-1] * 1000:.0f} ms, refresh served after {refresh[-1]:.2f} s")
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    post50, post99 = quantiles([s * 1000 for s in post])
    refresh50, refresh99 = quantiles(refresh)
    own50, own99 = (f"{q * 1000:.0f} ms" for q in quantiles(own)) if len(own) >= 2 else ("n/a", "n/a")
    own_line = f"| the rater's own list of 10 differs | {own50} | {own99} |"
    body = f"""## Freshness: rating POST to changed recommendations (`benchmarks/freshness_bench.py`)

ml-latest-small in PostgreSQL, Redis as cache and broker, one real `celery worker -Q default -c 1`;
{len(post)} ratings of 5.0 by seeded users on popular items they had not rated, through the site's rating
form (`RECSITE_REFRESH_DELAY` = {settings.RECSITE_REFRESH_DELAY} s coalescing window), one at a time.

| from the POST until | p50 | p99 |
| --- | ---: | ---: |
| the POST has answered (rating, marker, commit, refresh request) | {post50:.0f} ms | {post99:.0f} ms |
{own_line}
| **the refresh is committed and serving (everyone's lists)** | **{refresh50:.2f} s** | **{refresh99:.2f} s** |

Goal: p50 at most 2 s (Gorse retrains every 60 minutes). The rater's own list is computed from their live
ratings, so it changes with the POST itself ({len(own)} of {len(post)} lists of 10 differed; for the
other {unchanged_own} the new rating moved nothing into or out of the top 10). The refresh recomputes the
rated item's neighbour list and its entry in every other list, rewrites the lists that changed in
place and bumps the version's revision; serving processes reload on their next request.
"""
    print(body)
    write_section("freshness", body)


if __name__ == "__main__":
    main()

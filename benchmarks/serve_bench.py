"""Latency of `recommendations_for_user` from the warm in-process model, by how many ratings a user has.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recsite python benchmarks/serve_bench.py [--calls 300]

Imports ml-latest-small into a scratch database `<name>_bench`, trains the default model, warms the
cache, then times calls for the users whose rating counts are nearest 10, 100 and 1000: the whole
selector (its database queries included) and the in-memory ranking alone. Prints the figures and
writes them to docs/BENCHMARKS.md.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import django_on_scratch_database, write_section  # noqa: E402


def percentiles(samples: list[float]) -> tuple[float, float]:
    millis = np.array(samples) * 1000
    return float(np.percentile(millis, 50)), float(np.percentile(millis, 99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()

    django_on_scratch_database("serve_bench")
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from datasets.services import dataset_import
    from feedback.models import Rating
    from recommendations.selectors import recommendations_for_user
    from recommendations.services.training import model_train
    from recommendations.serving import serving_model

    dataset_import(path=Path(args.data))
    version = model_train()
    users = get_user_model().objects.annotate(n=Count("ratings")).filter(n__gt=0)
    counts = dict(users.values_list("pk", "n"))

    rows = []
    for target in (10, 100, 1000):
        user_pk = min(counts, key=lambda pk: (abs(counts[pk] - target), pk))
        user = get_user_model().objects.get(pk=user_pk)
        for _ in range(20):
            recommendations_for_user(user=user, n=10)
        whole = []
        for _ in range(args.calls):
            started = time.perf_counter()
            recommendations_for_user(user=user, n=10)
            whole.append(time.perf_counter() - started)
        serving = serving_model()
        rated = list(Rating.objects.filter(user=user).values_list("item_id", "value"))
        idx, known = serving.index_of(np.array([pk for pk, _ in rated]))
        values = np.array([float(v) for _, v in rated])[known]
        ranking = []
        for _ in range(args.calls):
            started = time.perf_counter()
            serving.model.recommend(idx, values, n=10)
            ranking.append(time.perf_counter() - started)
        rows.append((target, counts[user_pk], *percentiles(whole), *percentiles(ranking)))
        print(f"user with {counts[user_pk]} ratings: p50 {statistics.median(whole) * 1000:.2f} ms")

    table = "\n".join(
        f"| ~{target} | {n} | {w50:.2f} | {w99:.2f} | {r50:.2f} | {r99:.2f} |" for target, n, w50, w99, r50, r99 in rows
    )
    body = f"""## Serving: `recommendations_for_user` from the warm model (`benchmarks/serve_bench.py`)

ml-latest-small in PostgreSQL, model v{version.pk} with the default parameters (k={version.params["k"]}),
n=10, {args.calls} calls per user after 20 warm-up calls. "Whole call" is the selector as views call it,
its PostgreSQL queries included (active version, the user's ratings, hidden items, the items shown);
"ranking" is the in-memory scoring, exclusion, fill and evidence alone.

| user | ratings | whole call p50 (ms) | whole call p99 (ms) | ranking p50 (ms) | ranking p99 (ms) |
| --- | ---: | ---: | ---: | ---: | ---: |
{table}

Goal: p50 at most 2 ms for a user with 100 ratings. Rerun: the command in the script's docstring."""
    print(body)
    write_section("serve", body)


if __name__ == "__main__":
    main()

"""Import ml-latest-small into PostgreSQL: wall time and rows per second, fresh and repeated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recsite python benchmarks/import_bench.py [--runs 3]

Works on a scratch database `<name>_bench` beside DATABASE_URL's (dropped and recreated), so it never
touches real data. Prints the figures and writes them to docs/BENCHMARKS.md.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import django_on_scratch_database, write_section  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    django_on_scratch_database("import_bench")
    from django.core.management import call_command

    from datasets.services import dataset_import

    fresh, repeat = [], []
    for _ in range(args.runs):
        call_command("flush", "--no-input", verbosity=0)
        started = time.perf_counter()
        summary = dataset_import(path=Path(args.data))
        fresh.append(time.perf_counter() - started)
        started = time.perf_counter()
        dataset_import(path=Path(args.data))
        repeat.append(time.perf_counter() - started)

    ratings = summary.ratings.created + summary.ratings.updated + summary.ratings.unchanged
    items = summary.items.created + summary.items.updated + summary.items.unchanged
    fresh_s, repeat_s = statistics.median(fresh), statistics.median(repeat)
    body = f"""## Import: ml-latest-small into PostgreSQL (`benchmarks/import_bench.py`)

{items:,} items, {ratings:,} ratings, {summary.users} users; median of {args.runs} runs,
each into an emptied database, then the same import again (nothing to change).

| run | wall time | ratings/s |
| --- | ---: | ---: |
| fresh import (parse, validate, write) | {fresh_s:.2f} s | {ratings / fresh_s:,.0f} |
| repeated import (parse, validate, diff; no writes) | {repeat_s:.2f} s | {ratings / repeat_s:,.0f} |

Target: under 15 s for the fresh import. Rerun: `make bench` (or the command in the script's docstring)."""
    print(body)
    write_section("import", body)


if __name__ == "__main__":
    main()

"""Fault runs with figures: PostgreSQL restarted under requests, Redis crashed while ratings come in.

    python benchmarks/fault_runs.py [--down-seconds 5]

The app runs as deployed (gunicorn with 2 workers, a `celery worker -Q default -B`, debug off) on a
PostgreSQL cluster and a Redis server of its own, started for the run on free ports, so the machine's
shared servers are never touched (tests/faults.py; PostgreSQL runs as the `postgres` user when this is
run as root). Needs PostgreSQL's server binaries (`pg_config --bindir`) and `redis-server`. Prints the
figures and writes them to docs/RELIABILITY.md.
"""

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from tests.faults import PATHS, median, percentile, postgres_restart_run, redis_outage_run, seeded_postgres  # noqa: E402

RELIABILITY_MD = REPO / "docs" / "RELIABILITY.md"


def statuses(counter) -> str:
    return ", ".join(f"{count} x {status or 'no answer'}" for status, count in sorted(counter.items()))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--down-seconds", type=float, default=5.0, help="how long each server stays down")
    args = parser.parse_args()

    with seeded_postgres() as postgres:
        restart = postgres_restart_run(postgres, down_seconds=args.down_seconds)
        outage = redis_outage_run(postgres, down_seconds=args.down_seconds)

    rows = "\n".join(f"| `{path}` | {statuses(restart.down_answers[path])} |" for path in PATHS)
    during = outage.latencies["during"]
    before = outage.latencies["before"] + outage.latencies["after"]
    restarts = (
        "by itself, with no restart"
        if not outage.worker_restarts
        else f"after its supervisor restarted it {outage.worker_restarts} time(s): kombu's Redis transport "
        "sometimes exits on a connection lost mid-reconnect, celery/kombu#582"
    )
    body = f"""## Fault runs (`benchmarks/fault_runs.py`)

**PostgreSQL restarted.** gunicorn (2 workers) answering pages and the API; PostgreSQL stopped with a fast
shutdown (connections cut, as in a restart or failover) for {args.down_seconds:.0f} s, then started again.

| while PostgreSQL was down | answers |
| --- | --- |
{rows}

- Every answer of the run: {statuses(restart.statuses)}. No 500: pages get a plain "Back in a moment"
  page, the API `{{"detail": ...}}`, both with `Retry-After: 5`; `/health/` says `"database": "down"`.
- From PostgreSQL accepting connections again to `/health/` answering 200: **{restart.recovery_seconds:.2f} s**,
  with the same gunicorn processes (app restarted: {"yes" if restart.app_restarted else "no"}).

**Redis crashed.** Redis is the cache, the rate-limit counter and the broker. Ratings were PUT through the
API every 0.1 s by 6 signed-in users; Redis was killed for {args.down_seconds:.0f} s, then started again
(empty, as after a crash).

| | ratings | p50 | p99 |
| --- | ---: | ---: | ---: |
| Redis up (before and after) | {len(before)} | {ms(median(before))} | {ms(percentile(before, 0.99))} |
| Redis down | {len(during)} | {ms(median(during))} | {ms(percentile(during, 0.99))} |

- Answers: {statuses(outage.statuses)}. Kept: {outage.pairs_stored} of {outage.pairs_rated} (user, item) pairs hold the
  value sent last; nothing lost.
- When Redis came back, {outage.marked_during} items were marked dirty in PostgreSQL (the refreshes the outage
  could not enqueue). The worker reconnected ({restarts}), and every marker was refreshed
  **{outage.recovery_seconds:.1f} s** after Redis started (model revision {outage.revision_before} to
  {outage.revision_after}); beat's sweep runs every second in this run (`RECSITE_REFRESH_SWEEP_SECONDS=1`;
  60 by default).

The same runs, with assertions, are `tests/recsite/test_faults.py`.
"""
    print(body)
    write_section("fault-runs", body, path=RELIABILITY_MD)


if __name__ == "__main__":
    main()

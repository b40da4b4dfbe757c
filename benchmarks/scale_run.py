"""The whole loop, run: a live gunicorn, a worker and a steady stream of ratings on a synthetic set.

    python benchmarks/synth.py --ratings 1000000 --out /work/data/synth-1m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \\
        flock /tmp/heavy.lock python benchmarks/scale_run.py --data /work/data/synth-1m [--seconds 75] [--keep]

In a scratch database `recsite_scalerun_<set>` on DATABASE_URL's server (dropped and recreated, and
dropped again at the end unless --keep; --reuse takes a kept one as it is): `manage.py import_movielens`
and `manage.py train --algorithm item-knn` in child processes (the algorithm with the in-place refresh).
Then it starts gunicorn as deployed (`-c recsite/gunicorn_conf.py`, --workers sync workers, debug off,
`OMP_NUM_THREADS=1`, throttles out of the way) and one `celery -A recsite worker -Q default -c 1`, with
REDIS_URL as cache and broker (its queue and cache are cleared first: give it a database of its own),
warms every web process and the worker (one rating, and its refresh: the worker's first loads every
rating into memory and keeps the most rated items' rows), and for --seconds runs, over loopback:
- a stream of --rate ratings a second (open loop, on a clock), each by one of --raters imported users
  (signed in by JWT) through `PUT /api/v1/ratings/<item>/`, on items drawn by their share of the
  ratings (popular items most, as real traffic);
- --readers users (distinct, with ratings) each looping `GET /api/v1/recommendations/?n=10`, waiting
  0.5-1.5 s between requests as benchmarks/api_load.py's users do;
- `/health/detail/` (with RECSITE_HEALTH_TOKEN) sampled to read each web process's model loads and RSS,
  and each web process's RSS read from /proc every second.
Refresh latency per rating: from the PUT's answer until the commit of the first refresh task that
started after that answer (the worker's task log gives each task's end and duration): that refresh read
the rating's dirty marker, so its commit is when every other user's list reflects the rating (a web
process reads the changed lists on its next request). Pessimistic by design: a refresh that started
between the rating's commit and its answer took it up sooner. Prints and writes the section `scale-run`
of docs/BENCHMARKS.md (one row per set, kept across runs of other sets).
"""

import argparse
import bisect
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import BENCHMARKS_MD, children_stop, finished_tasks, write_section  # noqa: E402

LOGS = REPO / "var" / "scale_run"
RESULTS = LOGS / "results.json"  # one entry per set, so a 25M run's row stands next to the 1M one
# For a scratch server on loopback, for this run only.
HEALTH_TOKEN = "scale-run-health-token"  # nosec B105
SECRET_KEY = "scale-run-benchmark-only-" + "x" * 40
VALUES = ([1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0], [2, 4, 4, 12, 18, 28, 16, 16])  # MovieLens-like skew


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a directory benchmarks/synth.py wrote")
    parser.add_argument("--seconds", type=int, default=75, help="how long the rating stream and readers run")
    parser.add_argument("--rate", type=float, default=20.0, help="ratings a second")
    parser.add_argument("--readers", type=int, default=20, help="concurrent users asking for recommendations")
    parser.add_argument("--raters", type=int, default=2000, help="distinct users the ratings come from")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="take the kept scratch database as it is")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-report", action="store_true", help="print only (a trial run): write no figures")
    args = parser.parse_args()
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        print("scale_run.py: set DATABASE_URL (a PostgreSQL server) and REDIS_URL (a database of its own)",
              file=sys.stderr)  # fmt: skip
        return 2
    data = Path(args.data)
    if not (data / "ratings.csv").is_file():
        print(f"scale_run.py: no ratings.csv in {data} (write it with benchmarks/synth.py)", file=sys.stderr)
        return 2
    LOGS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "_", data.name.lower()).removeprefix("synth_")
    base, database = url.rpartition("/")[0], f"recsite_scalerun_{name}"
    env = _env(f"{base}/{database}", redis_url)
    setup = {}
    if not args.reuse:
        _scratch(base, database)
        batch = {**env, "DJANGO_DEBUG": "true", "CELERY_BROKER_URL": "memory://"}
        batch.pop("REDIS_URL")  # tasks the import and the training enqueue end with them, as in scale_import
        for step, command in (("import", ["import_movielens", str(data)]),
                              ("train", ["train", "--algorithm", "item-knn"])):  # fmt: skip
            setup[step] = _manage(command, batch, f"{name}-{step}")
    try:
        result = _run(args, env, name)
        result["setup"] = setup
    finally:
        if not args.keep:
            _drop(base, database)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = result
    print(json.dumps(result, indent=1))
    body = _report(results if not args.no_report else {name: result})
    print(body)
    if not args.no_report:
        RESULTS.write_text(json.dumps(results, indent=1))
        write_section("scale-run", body, path=BENCHMARKS_MD)
    return 0


def _env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,  # the tokens are signed here and checked by gunicorn
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "RECSITE_ALGORITHM": "item-knn",
        "RECSITE_HEALTH_TOKEN": HEALTH_TOKEN,
        "RECSITE_JWT_ACCESS_MINUTES": "240",
        **{f"RECSITE_THROTTLE_{scope}": "1000000/minute" for scope in ("USER", "FEEDBACK", "HEALTH")},
        "OMP_NUM_THREADS": "1",  # one request at a time per process: more threads only fight for the CPUs
    }


def _scratch(base: str, database: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, "DATABASE_URL": f"{base}/{database}", "DJANGO_DEBUG": "true"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=REPO, env=env, check=True)


def _drop(base: str, database: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _manage(command: list[str], env: dict, log: str) -> dict:
    """A manage.py command in a child process: its wall time and peak RSS (wait4); stops the run if it fails."""
    started = time.monotonic()
    with (LOGS / f"{log}.log").open("w") as handle:
        child = subprocess.Popen([sys.executable, "manage.py", *command], cwd=REPO, env=env, stdout=handle,
                                 stderr=subprocess.STDOUT)  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"scale_run.py: manage.py {' '.join(command)} failed: see {LOGS / log}.log")
    return {"seconds": round(time.monotonic() - started, 1), "rss_mb": round(usage.ru_maxrss / 1024)}


def _run(args, env: dict, name: str) -> dict:
    """Django in this process (for the tokens and the data's shape), the server and the worker as children."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings")
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection

    from accounts.tokens import FingerprintedTokenObtainPairSerializer
    from recommendations.models import ModelVersion

    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT item_id, count(*) FROM feedback_rating GROUP BY item_id")
        counts = cursor.fetchall()
        cursor.execute("SELECT count(*), count(DISTINCT user_id) FROM feedback_rating")
        n_ratings, n_users = cursor.fetchone()
    version = ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE)
    users = list(get_user_model().objects.filter(ratings__isnull=False).distinct().values_list("pk", flat=True))
    chosen = rng.sample(users, min(len(users), args.raters + args.readers))
    accounts = {user.pk: user for user in get_user_model().objects.filter(pk__in=chosen)}
    # As a sign-in issues them: the password's fingerprint in the claims (accounts/tokens.py), else a 401.
    tokens = [str(FingerprintedTokenObtainPairSerializer.get_token(accounts[pk]).access_token) for pk in chosen]
    readers, raters = tokens[: args.readers], tokens[args.readers :]
    shape = {"ratings": n_ratings, "users": n_users, "items": len(counts), "model_items": version.n_items,
             "neighbours": version.n_neighbors, "revision_start": version.revision}  # fmt: skip
    cache.clear()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("default")
    connection.close()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    worker_log, server_log = LOGS / f"{name}-worker.log", LOGS / f"{name}-gunicorn.log"
    children = []
    try:
        with worker_log.open("w") as handle:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "default", "-c", "1",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
                cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
            ))  # fmt: skip
        with server_log.open("w") as handle:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "recsite/gunicorn_conf.py", "recsite.wsgi",
                 "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "120",
                 "--log-level", "warning"],
                cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
            )  # fmt: skip
            children.append(server)
        _wait_for(f"{base}/health/", timeout=300)
        warm_started = time.monotonic()
        _warm_up(base, readers + raters[:50], workers=args.workers)
        _worker_warm_up(base, raters[0], counts, worker_log)
        processes = _web_processes(server.pid)
        warmed = _sample_processes(base, set(processes), rounds=200)
        warm_seconds = time.monotonic() - warm_started
        load_before = os.getloadavg()
        stream_started = time.time()
        run = _stream(base, args, readers=readers, raters=raters, counts=counts, rng=rng, server=server.pid)
        load_after = os.getloadavg()
        drained = _wait_until_drained(timeout=120)
        after = _sample_processes(base, set(_web_processes(server.pid)), rounds=200)
        uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    finally:
        children_stop(children)
    version.refresh_from_db()
    tasks = [task for task in _tasks_from_log(worker_log) if task["start"] >= stream_started]
    return _figures(
        args, shape=shape, run=run, tasks=tasks, warmed=warmed, after=after, processes=processes,
        revisions=version.revision - shape["revision_start"], drained=drained, warm_seconds=warm_seconds,
        load=(load_before, load_after), uptime=uptime,
    )  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# urlopen is only ever given http://127.0.0.1 URLs here (nosec B310 below).
def _request(url: str, *, token: str | None = None, method: str = "GET", body: dict | None = None,
             headers: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:  # fmt: skip
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # nosec B310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def _wait_for(url: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _request(url, timeout=2)[0] == 200:
            return
        time.sleep(0.5)
    raise SystemExit(f"scale_run.py: {url} did not answer within {timeout:.0f} s")


def _warm_up(base: str, tokens: list[str], *, workers: int) -> None:
    """Every web process loads the model on its first request: concurrent requests reach them all."""
    with ThreadPoolExecutor(2 * workers) as pool:
        list(pool.map(lambda n: _request(f"{base}/api/v1/recommendations/?n=10", token=tokens[n % len(tokens)],
                                         timeout=120), range(20 * workers)))  # fmt: skip


def _worker_warm_up(base: str, token: str, counts: list[tuple[int, int]], worker_log: Path) -> float:
    """The worker's first refresh loads every rating into memory and keeps the most rated items' rows
    (once per worker process): one rating, and wait for that refresh, before the clock starts. Seconds."""
    started = time.monotonic()
    item = max(counts, key=lambda row: row[1])[0]
    _request(f"{base}/api/v1/ratings/{item}/", token=token, method="PUT", body={"value": 4.0}, timeout=60)
    deadline = started + 900
    while time.monotonic() < deadline and not _tasks_from_log(worker_log):
        time.sleep(1)
    return time.monotonic() - started


def _web_processes(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    try:
        found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0.0
    return int(found.group(1)) / 1024 if found else 0.0


def _health(base: str) -> dict | None:
    status, body = _request(f"{base}/health/detail/", headers={"X-Health-Token": HEALTH_TOKEN}, timeout=10)
    return json.loads(body)["process"] if status in (200, 503) and body else None


def _sample_processes(base: str, pids: set[int], *, rounds: int) -> dict[int, dict]:
    """`/health/detail/` asked concurrently until every web process has answered (or `rounds` asks)."""
    seen: dict[int, dict] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(0, rounds, 8):
            for report in pool.map(lambda _: _health(base), range(8)):
                if report:
                    seen[report["pid"]] = report
            if pids <= set(seen):
                break
    return seen


def _stream(base: str, args, *, readers, raters, counts, rng, server: int) -> dict:
    """--rate ratings a second on a clock and --readers looping users, for --seconds; every answer timed."""
    items, weights = zip(*counts, strict=True)
    stop = threading.Event()
    reads, puts, rss, health = [], [], {}, []

    def read(token: str, seed: int) -> None:
        mine = random.Random(seed)
        while not stop.is_set():
            started = time.perf_counter()
            status, _ = _request(f"{base}/api/v1/recommendations/?n=10", token=token)
            reads.append((time.perf_counter() - started, status))
            stop.wait(mine.uniform(0.5, 1.5))

    def rate(token: str, item: int, value: float) -> None:
        started = time.perf_counter()
        status, _ = _request(f"{base}/api/v1/ratings/{item}/", token=token, method="PUT", body={"value": value})
        puts.append({"seconds": time.perf_counter() - started, "answered": time.time(), "item": item,
                     "status": status})  # fmt: skip

    def watch() -> None:
        while not stop.wait(1.0):
            for pid in _web_processes(server):
                rss[pid] = max(rss.get(pid, 0.0), _rss_mb(pid))
            report = _health(base)
            if report:
                health.append(report)

    threads = [threading.Thread(target=read, args=(token, n)) for n, token in enumerate(readers)]
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        for n in range(int(args.seconds * args.rate)):
            wait = started + n / args.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            value = rng.choices(VALUES[0], VALUES[1])[0]
            pool.submit(rate, rng.choice(raters), rng.choices(items, weights)[0], value)
        stop.set()
    elapsed = time.monotonic() - started
    for thread in threads:
        thread.join()
    return {"reads": reads, "puts": puts, "rss": rss, "health": health, "seconds": elapsed}


def _wait_until_drained(*, timeout: float) -> bool:
    """Until no item is marked dirty: every rating of the run has been taken up by a refresh."""
    from recommendations.models import DirtyItem

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not DirtyItem.objects.exists():
            return True
        time.sleep(0.2)
    return False


def _tasks_from_log(path: Path) -> list[dict]:
    """The refresh tasks the worker ran, from its task log: start, end and duration."""
    tasks = []
    for entry in finished_tasks(path, ("recommendations.tasks.refresh.model_refresh_task",)):
        end = datetime.strptime(entry["time"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        seconds = (entry["duration_ms"] or 0) / 1000
        tasks.append({"start": end - seconds, "end": end, "seconds": seconds, "state": entry.get("state")})
    return sorted(tasks, key=lambda task: task["start"])


def _quantiles(samples: list[float]) -> tuple[float, float]:
    if len(samples) < 2:
        return (samples[0], samples[0]) if samples else (float("nan"), float("nan"))
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _figures(args, *, shape, run, tasks, warmed, after, processes, revisions, drained, warm_seconds, load, uptime):
    puts = [put for put in run["puts"] if put["status"] in (200, 201)]
    # Each rating: the first refresh task that started after its answer; that task's end is the commit.
    starts = [task["start"] for task in tasks]
    latencies, per_task, missed = [], {}, 0
    for put in puts:
        at = bisect.bisect_left(starts, put["answered"])
        if at == len(tasks):
            missed += 1
            continue
        latencies.append(tasks[at]["end"] - put["answered"])
        per_task.setdefault(at, set()).add(put["item"])
    used = [tasks[at] for at in sorted(per_task)]
    reads_ok = [seconds * 1000 for seconds, status in run["reads"] if status == 200]
    read_errors = sum(1 for _, status in run["reads"] if status != 200)
    put_errors = len(run["puts"]) - len(puts)
    warm_full = {pid: report["model_loads"]["full"] for pid, report in warmed.items()}
    full_after = {pid: report["model_loads"]["full"] - warm_full.get(pid, 0) for pid, report in after.items()}
    return {
        "shape": shape,
        "seconds": round(run["seconds"], 1),
        "rate": len(run["puts"]) / run["seconds"],
        "ratings": len(run["puts"]),
        "put_ms": [round(q * 1000, 1) for q in _quantiles([put["seconds"] for put in puts])],
        "put_errors": put_errors,
        "refresh_s": [round(q, 2) for q in _quantiles(latencies)],
        "refresh_max_s": round(max(latencies), 2) if latencies else None,
        "refresh_missed": missed,
        "tasks": len(tasks),
        "tasks_used": len(used),
        "task_s": [round(q, 3) for q in _quantiles([task["seconds"] for task in used])],
        "dirty_per_refresh": [round(q, 1) for q in _quantiles([len(items) for items in per_task.values()])],
        "dirty_mean": round(statistics.fmean(len(items) for items in per_task.values()), 1) if per_task else None,
        "revisions": revisions,
        "drained": drained,
        "reads": len(run["reads"]),
        "read_ms": [round(q, 1) for q in _quantiles(reads_ok)],
        "read_errors": read_errors,
        "read_rate": round(len(run["reads"]) / run["seconds"], 1),
        "web": {
            str(pid): {
                "full_at_warm_up": warm_full.get(pid),
                "full_after_warm_up": full_after.get(pid),
                "changes": after.get(pid, {}).get("model_loads", {}).get("changes"),
                "rss_mb": round(max(run["rss"].get(pid, 0.0), after.get(pid, {}).get("rss_mb", 0.0))),
                "peak_rss_mb": after.get(pid, {}).get("peak_rss_mb"),
            }
            for pid in sorted(set(processes) | set(after))
        },
        "warm_up_s": round(warm_seconds, 1),
        "load": [round(value, 2) for value in (*load[0], *load[1])],
        "uptime": uptime,
        "workers": args.workers,
        "readers": args.readers,
        "raters": args.raters,
    }


def _report(results: dict) -> str:
    rows_refresh, rows_api, rows_web, rows_goal = [], [], [], []
    for name, r in sorted(results.items(), key=lambda item: item[1]["shape"]["ratings"]):
        s = r["shape"]
        rows_refresh.append(
            f"| {name} | {s['ratings']:,} / {s['users']:,} / {s['items']:,} | {r['ratings']} at {r['rate']:.1f}/s "
            f"| {r['put_ms'][0]:.0f} / {r['put_ms'][1]:.0f} ms, {r['put_errors']} errors "
            f"| **{r['refresh_s'][0]:.2f} / {r['refresh_s'][1]:.2f} s** (max {r['refresh_max_s']}) "
            f"| {r['tasks_used']} ({r['revisions']} revisions) | {r['task_s'][0]:.2f} / {r['task_s'][1]:.2f} s "
            f"| {r['dirty_per_refresh'][0]:.0f} / {r['dirty_per_refresh'][1]:.0f} (mean {r['dirty_mean']}) "
            f"| {'yes' if r['drained'] and not r['refresh_missed'] else 'NO'} |"
        )
        rows_api.append(
            f"| {name} | {r['readers']} | {r['reads']} ({r['read_rate']}/s) | **{r['read_ms'][0]:.0f} / "
            f"{r['read_ms'][1]:.0f} ms** | {r['read_errors']} | {r['load'][0]:.1f} / {r['load'][3]:.1f} |"
        )
        web = r["web"].values()
        rows_web.append(
            f"| {name} | {len(r['web'])} | {' '.join(str(w['full_at_warm_up']) for w in web)} "
            f"| **{sum(w['full_after_warm_up'] or 0 for w in web)}** | {' '.join(str(w['changes']) for w in web)} "
            f"| {' '.join(str(w['rss_mb']) for w in web)} MB | **{max(w['rss_mb'] for w in web)} MB** |"
        )
        checks = [
            ("refresh p50 <= 2 s", r["refresh_s"][0] <= 2),
            ("refresh p99 <= 5 s", r["refresh_s"][1] <= 5),
            ("API p50 <= 15 ms", r["read_ms"][0] <= 15),
            ("API p99 <= 100 ms", r["read_ms"][1] <= 100),
            ("no API errors", r["read_errors"] == 0 and r["put_errors"] == 0),
            ("no full reload after a refresh", all(w["full_after_warm_up"] == 0 for w in web)),
            ("<= 600 MB RSS per web process", max(w["rss_mb"] for w in web) <= 600),
        ]
        rows_goal.append(f"| {name} | " + " | ".join("pass" if ok else "**FAIL**" for _, ok in checks) + " |")
        goal_names = [label for label, _ in checks]
    ratio = _ratio(results)
    first = next(iter(results.values()))
    return f"""## The whole loop, run (`benchmarks/scale_run.py`)

A synthetic set (`benchmarks/synth.py`) imported into PostgreSQL and trained with item-kNN (the
algorithm with the in-place refresh); gunicorn as deployed (`-c recsite/gunicorn_conf.py`,
{first["workers"]} sync workers, debug off, `OMP_NUM_THREADS=1`), one `celery worker -Q default -c 1`,
Redis as cache and broker, all on this machine with the load generator, over loopback. For the run: a
stream of ratings on a clock (`PUT /api/v1/ratings/<item>/`, {first["raters"]} distinct imported users,
items drawn by their share of the ratings) and {first["readers"]} users each looping `GET
/api/v1/recommendations/?n=10` with 0.5-1.5 s between requests (as `api_load.py`'s users). Throttles are
raised out of the way. Every web process was warmed (its first request loads the model) before the clock
started.

Refresh: from a rating's answer to the commit of the first refresh task that started after it (that
refresh read the rating's marker; then every other user's list reflects it). The task's own duration
and the distinct rated items it took up come from the worker's task log. p50 / p99:

| set | ratings / users / items | ratings sent | PUT answer | **rating to refresh committed** | refreshes | refresh task | dirty items per refresh | all taken up |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |
{chr(10).join(rows_refresh)}

API during the stream (recommendations, client-side, p50 / p99), and the 1-minute load average before and
after the stream:

| set | users | requests | **p50 / p99** | errors | load |
| --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows_api)}

Web processes (each read through `/health/detail/`, RSS also from /proc every second during the run):
full model loads when warm (the first request's), full loads after warm-up (a full reload after a
refresh would count here), loads of a refresh's changed lists, and RSS (the largest seen):

| set | processes | full loads, warm | **full loads since** | changes loads | RSS | **max RSS** |
| --- | ---: | --- | ---: | --- | --- | ---: |
{chr(10).join(rows_web)}

Goals (issue 21):

| set | {" | ".join(goal_names)} |
| --- | {" | ".join(":---:" for _ in goal_names)} |
{chr(10).join(rows_goal)}

{ratio}`uptime` at the end of the last run: `{first["uptime"]}`. The machine is shared (2 CPUs): the
load generator, PostgreSQL, Redis, the worker and gunicorn all run on it. Rerun: the commands in the
script's docstring (logs and the figures of every set in `var/scale_run/`)."""  # noqa: E501


def _ratio(results: dict) -> str:
    if len(results) < 2:
        return (
            "One set measured so far: the issue's comparison (a refresh at 25M within 2x of the same at 1M) "
            "needs the 25M run next to it.\n\n"
        )
    ordered = sorted(results.values(), key=lambda r: r["shape"]["ratings"])
    small, large = ordered[0], ordered[-1]
    return (
        f"A refresh task at {large['shape']['ratings']:,} ratings against {small['shape']['ratings']:,}: p50 "
        f"{large['task_s'][0] / small['task_s'][0]:.1f}x (goal: within 2x).\n\n"
    )


if __name__ == "__main__":
    sys.exit(main())

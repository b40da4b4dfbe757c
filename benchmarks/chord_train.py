"""Full training, timed: item-kNN in one process, and the same fit as a Celery chord on --workers workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/13 \\
        flock /tmp/heavy.lock python benchmarks/chord_train.py \\
        --data /work/data/synth-1m --data /work/data/synth-25m [--blocks 8] [--workers 2] [--reuse] [--keep]

Sets written by `benchmarks/synth.py`. Each goes into a scratch database `<--prefix>_<set>` (default
`recsite_chord_1m`, ...) on DATABASE_URL's server: dropped, recreated, migrated and filled by
`manage.py import_movielens` in a child process (--reuse takes a kept one that holds ratings as it is),
and dropped at the end unless --keep. REDIS_URL must be a Redis database of its own: it is the broker
and the result backend of the chord, and it is emptied before and after each chord run. Then, on the
same ratings:

1. `manage.py train --algorithm item-knn` in a child process (no broker: a memory one that ends with it),
   timed from start to exit, its peak RSS from wait4;
2. --workers separate `celery -A recsite worker -Q default -c 1` processes (started and ready before the
   clock starts), then `manage.py train --algorithm item-knn --blocks N`, which reads the ratings into the
   training run's snapshot, queues the chord and returns; timed until the run is done and its version is
   active (polled in the database). Each worker's peak RSS is the high-water mark (VmHWM) of each of its
   processes (the main one and its pool child, which runs the tasks), read from /proc when the run ends;
   the task durations come from the workers' task log.

The chord's version is then compared with the single-process one, every row: the neighbour pairs with
their scores, and the popularity order. Children run with the settings this script gives them only
(RECSITE_ENV_FILE empty, debug off). Prints the figures and writes the section `chord-train` of
docs/BENCHMARKS.md; --no-report prints only, --report-only rewrites the section from the last figures.
Logs in var/chord_train/, figures per set in var/chord_train/results.json (a 25M run's row stays next to
the 1M one's, and each set's last few runs are listed: the machine is shared, and their spread says how
much).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import children_stop, finished_tasks, synthetic_sets, write_section  # noqa: E402

LOGS = REPO / "var" / "chord_train"
RESULTS = LOGS / "results.json"
SECRET_KEY = "chord-train-benchmark-only-" + "x" * 40  # for throwaway child processes only
# The settings a child would otherwise inherit from this shell (tests/processes.py drops the same).
SETTINGS_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_", "DJANGO_", "RECSITE_", "MOVIELENS_PATH")
BLOCK_TASK = "recommendations.tasks.training.model_train_block_task"
FINISH_TASK = "recommendations.tasks.training.model_train_finish_task"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", default=[], help="a directory synth.py wrote (repeatable)")
    parser.add_argument("--blocks", type=int, default=8, help="item ranges of the chord (train --blocks)")
    parser.add_argument("--workers", type=int, default=2, help="celery worker processes, one pool child each")
    parser.add_argument("--prefix", default="recsite_chord", help="scratch databases are <prefix>_<set>")
    parser.add_argument("--reuse", action="store_true", help="take a kept scratch database with ratings as it is")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--timeout", type=int, default=3600, help="give up on a training after this many s")
    parser.add_argument("--max-rss-gb", type=float, default=8.0, help="stop a training child past this RSS")
    parser.add_argument("--no-report", action="store_true", help="print only: write no figures")
    parser.add_argument("--report-only", action="store_true", help="measure nothing: rewrite the section from "
                        "var/chord_train/results.json (after a change to the text)")  # fmt: skip
    args = parser.parse_args()
    if args.report_only:
        write_section("chord-train", _report(json.loads(RESULTS.read_text())))
        return 0
    if not args.data:
        parser.error("--data is required (unless --report-only)")
    url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        print("chord_train.py: set DATABASE_URL (a PostgreSQL server) and REDIS_URL (a database of its own)",
              file=sys.stderr)  # fmt: skip
        return 2
    sets = synthetic_sets(args.data, script="chord_train.py")
    LOGS.mkdir(parents=True, exist_ok=True)
    base = url.rpartition("/")[0]
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for path in sets:
        name = re.sub(r"[^a-z0-9]+", "_", path.name.lower()).removeprefix("synth_")
        database = f"{args.prefix}_{name}"
        earlier = results.get(name, {})
        try:
            result = _measure(args, path=path, name=name, base=base, database=database, redis_url=redis_url)
            # with --reuse, the import that filled the kept database
            if "import" not in result and "import" in earlier and earlier.get("database") == database:
                result["import"] = earlier["import"] | {"reused": True}
        finally:
            if not args.keep:
                _drop(base, database)
        result["database"] = database
        result["measured"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        # The machine is shared: the headline figures of the runs before this one show the spread.
        result["history"] = ([*earlier.get("history", []), _headline(earlier)] if "chord" in earlier else [])[-4:]
        results[name] = result
        print(json.dumps(result, indent=1))
    body = _report(results)
    print(body)
    if not args.no_report:
        RESULTS.write_text(json.dumps(results, indent=1))
        write_section("chord-train", body)
    return 0 if all(r["compare"]["identical"] for r in results.values()) else 1


def _measure(args, *, path: Path, name: str, base: str, database: str, redis_url: str) -> dict:
    database_url = f"{base}/{database}"
    result: dict = {"set": name}
    if not (args.reuse and _holds_ratings(base, database)):
        _create(base, database)
        migrate = _manage(["migrate", "--no-input", "-v0"], _env(database_url), f"{name}-migrate")
        if migrate["code"]:
            raise SystemExit(f"chord_train.py: migrating {database} failed: see {migrate['log']}")
        result["import"] = _manage(["import_movielens", str(path)], _env(database_url), f"{name}-import")
        if result["import"]["code"]:
            raise SystemExit(f"chord_train.py: the import failed: see {result['import']['log']}")
    result["shape"] = _shape(database_url)
    limits = {"timeout": args.timeout, "max_rss_gb": args.max_rss_gb}
    single = _manage(["train", "--algorithm", "item-knn"], _env(database_url), f"{name}-train", **limits)
    if single["code"]:
        raise SystemExit(f"chord_train.py: the single-process training failed: see {single['log']}")
    single["version"] = _version_from(single["text"])
    result["single"] = single
    result["chord"] = _chord(args, env=_env(database_url, redis_url), name=name, database_url=database_url)
    result["compare"] = _compare(database_url, single["version"], result["chord"].get("version"))
    return result


def _headline(result: dict) -> dict:
    """A run's main figures, kept in the next runs' history."""
    return {
        "measured": result.get("measured", "?"), "single_s": result["single"]["seconds"],
        "single_mb": result["single"]["rss_mb"], "chord_s": result["chord"]["seconds"],
        "start_s": result["chord"]["start"]["seconds"],
        "worker_mb": [max(w["hwm_per_process"], default=0) for w in result["chord"]["worker_rss_mb"]],
        "load": [result["single"]["load"][0], result["chord"]["start"]["load"][0]],
    }  # fmt: skip


def _env(database_url: str, redis_url: str | None = None) -> dict[str, str]:
    """A child's environment: this one's, less every setting, plus the benchmark's (no .env file read)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(SETTINGS_VARIABLES)}
    env |= {
        "RECSITE_ENV_FILE": "",
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",  # as deployed (debug keeps every query's SQL in memory)
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "RECSITE_ALGORITHM": "item-knn",
    }
    if redis_url:
        env |= {"REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": redis_url}
    else:  # tasks the command enqueues (the precompute after activation) go nowhere, as in scale_import
        env["CELERY_BROKER_URL"] = "memory://"
    return env


def _connect(url: str, **kwargs):
    import psycopg

    return psycopg.connect(url, **kwargs)


def _holds_ratings(base: str, database: str) -> bool:
    with _connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            return False
    with _connect(f"{base}/{database}") as connection:
        return bool(connection.execute("SELECT EXISTS (SELECT 1 FROM feedback_rating)").fetchone()[0])


def _create(base: str, database: str) -> None:
    _drop(base, database)
    with _connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')


def _drop(base: str, database: str) -> None:
    with _connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _shape(database_url: str) -> dict[str, int]:
    with _connect(database_url) as connection:
        ratings, users, items = connection.execute(
            "SELECT count(*), count(DISTINCT user_id), count(DISTINCT item_id) FROM feedback_rating"
        ).fetchone()
    return {"ratings": ratings, "users": users, "items": items}


def _manage(command: list[str], env: dict, log: str, timeout: int | None = None, max_rss_gb: float = 10.0) -> dict:
    """A manage.py command in a child process: wall time, its own peak RSS (wait4), load averages. A child
    past `timeout` seconds or `max_rss_gb` (the machine is shared) is stopped, and says so."""
    out = LOGS / f"{log}.log"
    load_before = os.getloadavg()
    started = time.monotonic()
    stopped = ""
    with out.open("w") as handle:
        child = subprocess.Popen([sys.executable, "manage.py", *command], cwd=REPO, env=env, stdout=handle,
                                 stderr=subprocess.STDOUT)  # fmt: skip
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if timeout and time.monotonic() - started > timeout:
                stopped = f"stopped after {timeout} s"
            elif _status_kb(child.pid, "VmRSS") > max_rss_gb * 2**20:
                stopped = f"stopped at {max_rss_gb} GB RSS"
            if stopped:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.2)
    text = out.read_text() + (f"\n{stopped}\n" if stopped else "")
    return {
        "seconds": round(time.monotonic() - started, 2), "rss_mb": round(usage.ru_maxrss / 1024),
        "code": os.waitstatus_to_exitcode(status) if not stopped else -9, "stopped": stopped,
        "load": [round(load_before[0], 2), round(os.getloadavg()[0], 2)], "log": str(out), "text": text[-4000:],
    }  # fmt: skip


def _version_from(text: str) -> int | None:
    found = re.search(r"Model version (\d+) active", text)
    return int(found.group(1)) if found else None


def _status_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in kB (VmRSS now, VmHWM the peak); 0 for a process that is gone."""
    try:
        found = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    except OSError:
        return 0
    return int(found.group(1)) if found else 0


def _tree(pid: int) -> list[int]:
    """A process and its descendants (a prefork worker: the main process and its pool child)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


class _Sampler(threading.Thread):
    """Samples each worker's processes every 0.2 s: the peak of their summed RSS, and each process's VmHWM
    (kept after it exits: a pool child replaced on the way still counts)."""

    def __init__(self, workers: list[subprocess.Popen]):
        super().__init__(daemon=True)
        self.workers, self.halt = workers, threading.Event()
        self.peak_sum_kb = [0] * len(workers)
        self.hwm_kb: list[dict[int, int]] = [{} for _ in workers]

    def run(self) -> None:
        while not self.halt.is_set():
            self.sample()
            self.halt.wait(0.2)

    def sample(self) -> None:
        for index, worker in enumerate(self.workers):
            pids = _tree(worker.pid)
            self.peak_sum_kb[index] = max(self.peak_sum_kb[index], sum(_status_kb(pid, "VmRSS") for pid in pids))
            for pid in pids:
                self.hwm_kb[index][pid] = max(self.hwm_kb[index].get(pid, 0), _status_kb(pid, "VmHWM"))


def _chord(args, *, env: dict, name: str, database_url: str) -> dict:
    """Workers up and ready, then `train --blocks N`, timed until its version is active."""
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # a queue left by an earlier run would be taken first
    logs = [LOGS / f"{name}-worker{index + 1}.log" for index in range(args.workers)]
    workers = []
    try:
        for index, log in enumerate(logs):
            with log.open("w") as handle:
                workers.append(subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", "default", "-c", "1",
                     "-n", f"chord{index + 1}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                     "--loglevel", "INFO"],
                    cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT,
                ))  # fmt: skip
        ready_seconds = _wait_ready(workers, logs, timeout=300)
        sampler = _Sampler(workers)
        sampler.start()
        with _connect(database_url) as connection:
            last_run = connection.execute("SELECT coalesce(max(id), 0) FROM recommendations_trainingrun").fetchone()[0]
        started = time.monotonic()
        command = ["train", "--algorithm", "item-knn", "--blocks", str(args.blocks)]
        start = _manage(command, env, f"{name}-train-blocks", timeout=args.timeout, max_rss_gb=args.max_rss_gb)
        if start["code"]:
            run = {"status": f"not started: train --blocks exited {start['code']}, see {start['log']}"}
        else:
            run = _wait_run(database_url, after=last_run, workers=workers, deadline=started + args.timeout)
        seconds = time.monotonic() - started
        sampler.halt.set()
        sampler.join()
        sampler.sample()  # the workers are still up: their high-water marks as the run ended
        alive = [worker.poll() is None for worker in workers]
    finally:
        children_stop(workers)
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # the chord's results, the task queued on activation
    tasks = [_tasks(log) for log in logs]
    return {
        "blocks": args.blocks, "workers": args.workers, "ready_seconds": round(ready_seconds, 1),
        "seconds": round(seconds, 2), "start": start, "run": run, "version": run.get("version_id"),
        "workers_alive": alive,
        "worker_rss_mb": [
            {"hwm_per_process": sorted((round(kb / 1024) for kb in hwm.values()), reverse=True),
             "peak_sum": round(peak / 1024)}
            for hwm, peak in zip(sampler.hwm_kb, sampler.peak_sum_kb, strict=True)
        ],
        "tasks": tasks,
    }  # fmt: skip


def _wait_ready(workers: list[subprocess.Popen], logs: list[Path], *, timeout: float) -> float:
    """Until every worker has logged that it is ready (Django set up, connected to the broker)."""
    started = time.monotonic()
    while not all(" ready." in log.read_text() for log in logs):
        for worker, log in zip(workers, logs, strict=True):
            if worker.poll() is not None:
                raise SystemExit(f"chord_train.py: a worker exited ({worker.returncode}): see {log}")
        if time.monotonic() - started > timeout:
            raise SystemExit(f"chord_train.py: the workers were not ready in {timeout} s: see {logs}")
        time.sleep(0.2)
    return time.monotonic() - started


def _wait_run(database_url: str, *, after: int, workers: list[subprocess.Popen], deadline: float) -> dict:
    """The training run the command started, polled until it is no longer running and its version is active."""
    query = (
        "SELECT r.id, r.status, r.version_id, r.error, r.blocks, extract(epoch FROM r.finished_at - r.started_at), "
        "v.status, v.metrics, pg_column_size(r.snapshot) FROM recommendations_trainingrun r "
        "LEFT JOIN recommendations_modelversion v ON v.id = r.version_id WHERE r.id > %s ORDER BY r.id LIMIT 1"
    )
    snapshot_bytes = 0  # the snapshot's stored (compressed) size, read while the run holds it
    with _connect(database_url, autocommit=True) as connection:
        while True:
            row = connection.execute(query, (after,)).fetchone()
            snapshot_bytes = max(snapshot_bytes, (row[8] or 0) if row else 0)
            if row and row[1] != "running":
                break
            if time.monotonic() > deadline:
                return {"status": "timed out", "row": list(row) if row else None}
            if not any(worker.poll() is None for worker in workers):
                return {"status": "every worker exited", "row": list(row) if row else None}
            time.sleep(0.2)
    run_id, status, version_id, error, blocks, seconds, version_status, metrics, _ = row
    return {
        "id": run_id, "status": status, "version_id": version_id, "error": error, "blocks": blocks,
        "snapshot_mb": round(snapshot_bytes / 2**20, 1) if snapshot_bytes else None,
        "db_seconds": round(float(seconds), 2) if seconds is not None else None,
        "version_status": version_status, "metrics": metrics,
    }  # fmt: skip


def _tasks(log: Path) -> list[dict]:
    """The training tasks a worker ran, from its task log: which, how long, how it ended."""
    return [
        {"task": "block" if entry["task"] == BLOCK_TASK else "finish",
         "seconds": round((entry["duration_ms"] or 0) / 1000, 2), "state": entry.get("state")}
        for entry in finished_tasks(log, (BLOCK_TASK, FINISH_TASK))
    ]  # fmt: skip


def _compare(database_url: str, single: int | None, chord: int | None) -> dict:
    """Every neighbour row (item, neighbour, score) of the two versions, both ways, and their popularity order."""
    if single is None or chord is None:
        return {"identical": False, "why": f"a version is missing (single {single}, chord {chord})"}
    difference = (
        "SELECT count(*) FROM (SELECT item_id, neighbor_id, score FROM recommendations_itemneighbor "
        "WHERE version_id = %s EXCEPT ALL SELECT item_id, neighbor_id, score FROM recommendations_itemneighbor "
        "WHERE version_id = %s) AS only_in_first"
    )
    with _connect(database_url) as connection:
        counts = dict(connection.execute(
            "SELECT version_id, count(*) FROM recommendations_itemneighbor WHERE version_id IN (%s, %s) "
            "GROUP BY version_id", (single, chord),
        ).fetchall())  # fmt: skip
        only_single = connection.execute(difference, (single, chord)).fetchone()[0]
        only_chord = connection.execute(difference, (chord, single)).fetchone()[0]
        popular = dict(connection.execute(
            "SELECT id, popular_item_ids FROM recommendations_modelversion WHERE id IN (%s, %s)", (single, chord)
        ).fetchall())  # fmt: skip
        columns = dict(connection.execute(
            "SELECT version_id, count(*) FROM recommendations_itemcolumn WHERE version_id IN (%s, %s) "
            "GROUP BY version_id", (single, chord),
        ).fetchall())  # fmt: skip
    same_popular = popular.get(single) == popular.get(chord)
    return {
        "single_rows": counts.get(single, 0), "chord_rows": counts.get(chord, 0), "only_single": only_single,
        "only_chord": only_chord, "same_popular": same_popular,
        "single_columns": columns.get(single, 0), "chord_columns": columns.get(chord, 0),
        "identical": only_single == 0 and only_chord == 0 and counts.get(single) == counts.get(chord) and same_popular,
    }  # fmt: skip


def _report(results: dict) -> str:
    ordered = sorted(results.values(), key=lambda r: r["shape"]["ratings"])
    shapes, rows, tasks, checks, notes, history = [], [], [], [], [], []
    for r in ordered:
        single, chord, compare = r["single"], r["chord"], r["compare"]
        shape = r["shape"]
        imported = r.get("import")
        imported = (
            f"{imported['seconds']:.0f} s, {imported['rss_mb']:,} MB"
            + (" (the run that kept it)" if imported.get("reused") else "")
            if imported
            else "not timed (--reuse)"
        )
        shapes.append(f"| {r['set']} | {shape['ratings']:,} | {shape['users']:,} | {shape['items']:,} | {imported} |")
        fit = (single.get("text") and re.search(r" in ([0-9.]+) s\s*$", single["text"].strip())) or None
        workers = ", ".join(
            f"{w['hwm_per_process'][0] if w['hwm_per_process'] else 0:,} MB" for w in chord["worker_rss_mb"]
        )
        mains = ", ".join(
            f"{w['hwm_per_process'][1] if len(w['hwm_per_process']) > 1 else 0:,} MB" for w in chord["worker_rss_mb"]
        )
        status = "" if chord["run"].get("status") == "done" else f" (run {chord['run'].get('status')})"
        fit_write = f" (the command reports {float(fit.group(1)):.0f} s)" if fit else ""
        rows.append(" | ".join([
            f"| {r['set']}", f"{single['seconds']:.0f} s{fit_write}",
            f"{single['rss_mb']:,} MB", f"{chord['blocks']} on {chord['workers']}",
            f"{chord['seconds']:.0f} s{status}", f"{chord['start']['seconds']:.0f} s, {chord['start']['rss_mb']:,} MB",
            workers, mains, f"{single['load'][0]:.1f} / {chord['start']['load'][0]:.1f} |",
        ]))  # fmt: skip
        blocks = [t["seconds"] for log in chord["tasks"] for t in log if t["task"] == "block"]
        finish = [t["seconds"] for log in chord["tasks"] for t in log if t["task"] == "finish"]
        per_worker = " / ".join(str(sum(t["task"] == "block" for t in log)) for log in chord["tasks"])
        tasks.append(" | ".join([
            f"| {r['set']}", f"{len(blocks)} ({per_worker})",
            f"{min(blocks):.1f} / {max(blocks):.1f} / {sum(blocks):.0f} s" if blocks else "none logged",
            f"{finish[0]:.0f} s" if finish else "none logged", f"{chord['ready_seconds']:.0f} s |",
        ]))  # fmt: skip
        verdict = "identical" if compare.get("identical") else "**DIFFERENT**"
        snapshot = chord["run"].get("snapshot_mb")
        after = chord["seconds"] - chord["start"]["seconds"]
        notes.append(
            f"- **{r['set']}**: the chord took {chord['seconds']:.0f} s against {single['seconds']:.0f} s in one "
            f"process ({chord['seconds'] / single['seconds']:.2f} times). `train --blocks` itself took "
            f"{chord['start']['seconds']:.0f} s of it, in one process before any block starts (Django's start, "
            f"reading every rating, building the snapshot, compressing it to "
            f"{f'{snapshot:,.1f} MiB' if snapshot else 'an unread size'} and writing it to the run's row). The "
            f"blocks ({sum(blocks):.0f} s of work between {chord['workers']} workers) start once the run is "
            f"committed, the callback ({finish[0] if finish else 0:.0f} s) after the last; the version was active "
            f"{after:.0f} s after the command exited."
        )
        history.extend(
            f"{r['set']} at {h['measured']}: one process {h['single_s']:.0f} s and {h['single_mb']:,} MB, chord "
            f"{h['chord_s']:.0f} s (`train --blocks` {h['start_s']:.0f} s), workers' pool children "
            f"{', '.join(f'{mb:,}' for mb in h['worker_mb'])} MB, load {h['load'][0]:.1f} / {h['load'][1]:.1f}"
            for h in r.get("history", [])
        )
        checks.append(" | ".join([
            f"| {r['set']}", f"{compare.get('single_rows', 0):,}", f"{compare.get('chord_rows', 0):,}",
            f"{compare.get('only_single', '?'):,} / {compare.get('only_chord', '?'):,}",
            "same" if compare.get("same_popular") else "differs", f"{verdict} |",
        ]))  # fmt: skip
    workers = " or ".join(sorted({str(r["chord"]["workers"]) for r in ordered}))
    return f"""## Full training at scale: one process, and the Celery chord on {workers} workers (`benchmarks/chord_train.py`)

Synthetic MovieLens sets (`benchmarks/synth.py`) imported into PostgreSQL, trained with item-kNN (the
default EASE refuses more than 20,000 items, and the 25M set has 62k), debug off, on the shared 2 cores:

| set | ratings | users | items | `import_movielens` (wall, peak RSS) |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(shapes)}

- **One process**: `manage.py train --algorithm item-knn`, wall time from start to exit (Django's start,
  reading every rating by binary COPY, the fit, writing the version's lists and activating it), and the
  process's peak RSS (wait4).
- **Chord**: {workers} separate `celery -A recsite worker -Q default -c 1` processes, Redis as broker
  and result backend, started and ready before the clock starts; then `manage.py train --algorithm
  item-knn --blocks N`, which reads the ratings into the training run's snapshot, queues one task per item
  range and returns. Timed until the run is done and its version active (polled in the database). Each
  worker's peak is the high-water mark (VmHWM) of its pool child, which runs the tasks, and of its main
  process, which reads each task's message from Redis before handing it to the child: the callback's
  message carries every range's rows (with the Redis backend, the last member to finish reads the others'
  results and publishes them as the callback's argument), so the main process of the worker that takes
  the callback grows with the neighbour lists.

| set | one process: wall | one process: peak RSS | chord: blocks on workers | chord: until active | `train --blocks` itself (wall, peak RSS) | chord: peak RSS of each worker's pool child | of each worker's main process | load before (one process / chord) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

{chr(10).join(notes)}

What the chord adds to the fit: the snapshot, built, compressed and written in one process before any
block starts, and in every block reading and decompressing it and normalising the matrix again. On one
2-core machine, where the workers share the cores the single process had to itself (with the other
work on it), that outweighs the split. More workers on more hosts divide the blocks' work only: the
`train --blocks` step and the callback stay serial.
{_history(history)}
Where the chord's time goes (the workers' task log): the block tasks (each loads the snapshot from the
run's row, normalises the matrix and computes its range's lists; their results go to Redis as JSON) and
the callback (decodes every range, puts them together, writes the version's lists and activates it, in
one worker while the other waits):

| set | block tasks (per worker) | block task: shortest / longest / sum | callback (`model_train_finish_task`) | workers ready in |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(tasks)}

The chord's version against the single-process one, every neighbour row (item, neighbour, score),
both ways (`EXCEPT ALL`), and the popularity order:

| set | neighbour rows, one process | neighbour rows, chord | rows only in one / only in the other | popularity order | verdict |
| --- | ---: | ---: | ---: | ---: | --- |
{chr(10).join(checks)}

Rerun: the command in the script's docstring (logs in `var/chord_train/`)."""  # noqa: E501


def _history(lines: list[str]) -> str:
    if not lines:
        return ""
    return (
        "\nEarlier runs of this script (the machine is shared: the spread is the other work on it):\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + "\n"
    )


if __name__ == "__main__":
    sys.exit(main())

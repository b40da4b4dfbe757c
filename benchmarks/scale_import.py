"""Import synthetic MovieLens sets (benchmarks/synth.py) into PostgreSQL: wall time, rows/s and peak RSS per size.

    python benchmarks/synth.py --ratings 1000000 --out /work/data/synth-1m
    python benchmarks/synth.py --out /work/data/synth-25m
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recsite python benchmarks/scale_import.py \\
        --data /work/data/synth-1m --data /work/data/synth-25m [--reimport] [--train] [--train-also item-knn] \\
        [--orm 1m] [--keep]

Each set goes into its own scratch database `recsite_scale_<name>` on DATABASE_URL's server (dropped and
recreated: real data is never touched), through `manage.py import_movielens` in a child process, so the
peak RSS is the importer's own (wait4). --reimport runs the same import again (nothing to change);
--train runs `manage.py train` (the default algorithm) on the imported set, --train-also ALGORITHM that one
too (a child past --max-rss-gb or --train-timeout is stopped); --orm NAME also imports that
set through the ORM path (SQLite's, forced onto PostgreSQL) into a second scratch database, for
comparison. The scratch databases are dropped at the end unless --keep. Writes the section
`scale-import` of docs/BENCHMARKS.md, with the load average the machine had during each run.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import synthetic_sets, write_section  # noqa: E402

LOGS = REPO / "var" / "scale_import"
ORM_IMPORT = (
    "from pathlib import Path; from datasets.services import _import_by_orm; "
    "print(_import_by_orm(Path({path!r}), None, False))"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", action="append", required=True, help="a directory synth.py wrote (repeatable)")
    parser.add_argument("--reimport", action="store_true", help="import each set a second time (no changes)")
    parser.add_argument("--train", action="store_true", help="run manage.py train on each imported set")
    parser.add_argument("--train-also", metavar="ALGORITHM", help="then train this algorithm too (--algorithm)")
    parser.add_argument("--orm", action="append", default=[], help="a set (by name) to import by the ORM path too")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--train-timeout", type=int, default=3600, help="stop a training run after this many s")
    parser.add_argument("--max-rss-gb", type=float, default=8.0, help="stop a child past this RSS (shared machine)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("scale_import.py: set DATABASE_URL to a PostgreSQL server", file=sys.stderr)
        return 2
    sets = synthetic_sets(args.data, script="scale_import.py")
    LOGS.mkdir(parents=True, exist_ok=True)
    base = url.rpartition("/")[0]
    results = []
    for path in sets:
        name = re.sub(r"[^a-z0-9]+", "_", path.name.lower()).removeprefix("synth_")
        result = {"name": name, "path": path, "lines": _count_lines(path)}
        database = f"recsite_scale_{name}"
        env = _scratch(base, database)
        result["import"] = _run(["import_movielens", str(path), "--progress"], env, f"{name}-import")
        if args.reimport:
            result["reimport"] = _run(["import_movielens", str(path), "--progress"], env, f"{name}-reimport")
        limits = {"timeout": args.train_timeout, "max_rss_gb": args.max_rss_gb}
        if args.train:
            result["train"] = _run(["train"], env, f"{name}-train", **limits)
        if args.train_also:
            command = ["train", "--algorithm", args.train_also]
            result["train_also"] = _run(command, env, f"{name}-train-{args.train_also}", **limits)
        if name in args.orm:
            orm_env = _scratch(base, f"{database}_orm")
            code = ORM_IMPORT.format(path=str(path))
            result["orm"] = _run(["shell", "--no-imports", "-c", code], orm_env, f"{name}-orm")
            _drop(base, f"{database}_orm", keep=args.keep)
        result["sizes"] = _sizes(env["DATABASE_URL"])
        _drop(base, database, keep=args.keep)
        results.append(result)
        print(result)
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    body = _report(results, uptime=uptime, also=args.train_also)
    print(body)
    write_section("scale-import", body)
    return 0


def _count_lines(path: Path) -> dict[str, int]:
    counts = {}
    for name in ("ratings.csv", "movies.csv", "tags.csv"):
        with (path / name).open("rb") as handle:
            counts[name] = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b"")) - 1
    return counts


def _scratch(base: str, database: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        connection.execute(f'CREATE DATABASE "{database}"')
    env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CELERY_BROKER_URL")}
    # No Redis: a local cache, and tasks the train command enqueues go to an in-memory broker that ends
    # with the process (nothing runs them; the benchmark times the fit and the write of the version).
    env |= {"DATABASE_URL": f"{base}/{database}", "DJANGO_DEBUG": "true", "CELERY_BROKER_URL": "memory://"}
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], cwd=REPO, env=env)
    if migrate.returncode:
        raise SystemExit(f"scale_import.py: migrating {database} failed")
    return env


def _drop(base: str, database: str, *, keep: bool) -> None:
    if keep:
        return
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')


def _run(command: list[str], env: dict, log: str, timeout: int | None = None, max_rss_gb: float = 10.0) -> dict:
    """Run a manage.py command in a child process: wall time, its own peak RSS (wait4), load averages.
    A child past `timeout` seconds or `max_rss_gb` (the machine is shared) is stopped, and says so."""
    out = LOGS / f"{log}.log"
    load_before = os.getloadavg()
    started = time.monotonic()
    with out.open("w") as handle:
        child = subprocess.Popen([sys.executable, "manage.py", *command], cwd=REPO, env=env, stdout=handle,
                                 stderr=subprocess.STDOUT)  # fmt: skip
        deadline = started + timeout if timeout else None
        stopped = ""
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if deadline and time.monotonic() > deadline:
                stopped = f"stopped after {timeout} s"
            elif _rss_gb(child.pid) > max_rss_gb:
                stopped = f"stopped at {max_rss_gb} GB RSS"
            if stopped:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.5)
    seconds = time.monotonic() - started
    text = out.read_text() + (f"\n{stopped}\n" if stopped else "")
    return {
        "seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "code": os.waitstatus_to_exitcode(status),
        "load": (load_before[0], os.getloadavg()[0]), "log": out, "text": text, "stopped": stopped,
    }  # fmt: skip


def _rss_gb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) / 2**20 if found else 0.0


def _sizes(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT (SELECT count(*) FROM feedback_rating), pg_total_relation_size('feedback_rating'), "
            "pg_database_size(current_database())"
        ).fetchone()
    return {"ratings": row[0], "rating_bytes": row[1], "database_bytes": row[2]}


def _phase(text: str, pattern: str) -> float:
    return sum(float(seconds) for seconds in re.findall(pattern + r".*? in ([0-9.]+) s", text))


def _report(results: list[dict], *, uptime: str, also: str | None) -> str:
    imports, others, phases = [], [], []
    for r in results:
        run, lines = r["import"], r["lines"]
        ok = run["code"] == 0 and r["sizes"]["ratings"] == lines["ratings.csv"]
        status = "" if ok else f" (exit {run['code']}, {r['sizes']['ratings']:,} rows held: see {run['log']})"
        users = re.search(r" ([0-9]+) users \(", run["text"])
        imports.append(" | ".join([
            f"| {r['name']}", f"{lines['ratings.csv']:,}", f"{int(users.group(1)):,}" if users else "?",
            f"{lines['movies.csv']:,}", f"{run['seconds']:.0f} s{status}", _own(run),
            f"{lines['ratings.csv'] / run['seconds']:,.0f}", f"{run['rss_mb']:,.0f} MB",
            f"{run['load'][0]:.1f} / {run['load'][1]:.1f}", _other(r.get("reimport")) + " |",
        ]))  # fmt: skip
        others.append(" | ".join([
            f"| {r['name']}", _other(r.get("train"), "Model version"), _other(r.get("train_also"), "Model version"),
            _other(r.get("orm")), f"{r['sizes']['rating_bytes'] / 2**30:.2f} GiB |",
        ]))  # fmt: skip
        steps = ("read, checked and staged", "staged and merged", "users: ", "ratings: inserting", "ratings: building")
        phases.append(f"| {r['name']} | " + " | ".join(f"{_phase(run['text'], s):.1f} s" for s in steps) + " |")
    return f"""## Import at scale: synthetic MovieLens into PostgreSQL (`benchmarks/scale_import.py`)

Sets written by `benchmarks/synth.py` (ml-latest format, shaped like MovieLens), each imported by
`manage.py import_movielens --progress` into a fresh scratch database: ratings through binary COPY into a
temporary table as they are read, items and tags through COPY, one merge per table, and the ratings'
indexes and constraints built after the load (`datasets/copy_import.py`). Wall time is the whole
command, Python and Django start included; "import" is the time the import itself reports. Peak RSS is
the importer process's own (PostgreSQL's memory is not in it). Load is the 1-minute load average before
and after the run: the machine is shared, so a high one makes the figure pessimistic.

| set | ratings | users | items | fresh import, wall | import | ratings/s (wall) | peak RSS | load before / after | re-import, nothing changed (wall, RSS) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(imports)}

{_scaling(results)}Where the fresh import's time goes (from its progress lines):

| set | ratings read, checked, staged (COPY) | items merged | users created | ratings inserted | indexes and constraints built |
| --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(phases)}

Training on the imported set (`manage.py train`, wall and peak RSS), the import through the ORM path
this one replaced on PostgreSQL (parse everything, then bulk upserts), and the ratings table's size:

| set | `train` (default algorithm) | `train --algorithm {also}` | ORM path (before) | ratings table with its indexes |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(others)}

Target: the 25M import within 20 minutes on 2 cores. `uptime` at the end: `{uptime}`. Rerun: the
commands in the script's docstring (each run's log in `var/scale_import/`)."""  # noqa: E501


def _scaling(results: list[dict]) -> str:
    """The largest set against the smallest: how time and memory grew with the ratings."""
    if len(results) < 2:
        return ""
    small, large = (
        min(results, key=lambda r: r["lines"]["ratings.csv"]),
        max(results, key=lambda r: r["lines"]["ratings.csv"]),
    )
    seconds = [_seconds(r["import"]) for r in (small, large)]
    if not all(seconds):
        return ""
    return (
        f"From {small['name']} to {large['name']}: {large['lines']['ratings.csv'] / small['lines']['ratings.csv']:.0f} "
        f"times the ratings, {seconds[1] / seconds[0]:.0f} times the import's time, "
        f"{large['import']['rss_mb'] / small['import']['rss_mb']:.1f} times its peak RSS: the ratings never become "
        "Python objects (numpy blocks of about a million rows); what grows is the items with their tags, and "
        "the users.\n\n"
    )


def _seconds(run: dict) -> float | None:
    found = re.search(r"^Imported .* in ([0-9.]+) s:", run["text"], re.MULTILINE)
    return float(found.group(1)) if found else None


def _own(run: dict) -> str:
    seconds = _seconds(run)
    return f"{seconds:.0f} s" if seconds is not None else "no summary"


def _other(run: dict | None, summary: str | None = None) -> str:
    if run is None:
        return "not run"
    if run["code"]:
        last = [line for line in run["text"].splitlines() if line.strip()][-1:] or [""]
        why = run["stopped"] or f"exit {run['code']}: {last[0][:110]}"
        return f"not finished ({why}; {run['seconds']:.0f} s, {run['rss_mb']:,.0f} MB)"
    extra = ""
    if summary:
        line = next((line for line in run["text"].splitlines() if summary in line), "")
        found = re.search(r"ratings, .*?, (\S+) \(.*\) in ([0-9.]+) s", line)
        extra = f", {found.group(1)}: fit and write {float(found.group(2)):.0f} s" if found else ""
    return f"{run['seconds']:.0f} s, {run['rss_mb']:,.0f} MB{extra}"


if __name__ == "__main__":
    sys.exit(main())

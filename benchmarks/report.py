"""Shared by the benchmarks: a scratch PostgreSQL database, and writing figures into docs/BENCHMARKS.md."""

import json
import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nEach section is written by the script it names; rerun the script to refresh it.\n"


def machine() -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{python}, {os.cpu_count()} CPUs, {platform.machine()}"


def write_section(name: str, body: str, *, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section between `<!-- bench:NAME -->` markers of `path`."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = f"{start}\n{body.rstrip()}\n\n_Measured {stamp} on {machine()}._\n{end}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else f"{text.rstrip()}\n\n{section}\n"
    path.write_text(text)


def django_on_scratch_database(script: str) -> None:
    """Point Django at `<name>_bench` beside DATABASE_URL's database (dropped and recreated, so a
    benchmark never touches real data), set it up, and migrate."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"{script}: set DATABASE_URL to a PostgreSQL server (the benchmark is for PostgreSQL)")
    base, _, name = url.rpartition("/")
    bench = f"{name}_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{bench}"')
        connection.execute(f'CREATE DATABASE "{bench}"')
    os.environ["DATABASE_URL"] = f"{base}/{bench}"
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def finished_tasks(log: Path, names: tuple[str, ...]) -> list[dict]:
    """The entries of a Celery worker's task log (recsite's JSON lines) for tasks `names` that finished:
    each with its `task`, `time`, `duration_ms` and `state`."""
    entries = []
    for line in log.read_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("task") in names and "duration_ms" in entry:
            entries.append(entry)
    return entries


def children_stop(children: list) -> None:
    """Stop child processes (subprocess.Popen): each asked to end, then killed if it has not within 30 s."""
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def synthetic_sets(paths: list[str], *, script: str) -> list[Path]:
    """The --data directories as paths; exits with one line naming those with no ratings.csv."""
    sets = [Path(path) for path in paths]
    missing = [str(path) for path in sets if not (path / "ratings.csv").is_file()]
    if missing:
        raise SystemExit(f"{script}: no ratings.csv in {', '.join(missing)} (write it with benchmarks/synth.py)")
    return sets

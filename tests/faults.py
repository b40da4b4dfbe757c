"""Fault runs: the app as deployed (gunicorn, a Celery worker with beat) on a PostgreSQL and a Redis of
its own, which a run stops and starts again while requests keep coming. The machine's shared servers
are never touched.

`postgres_restart_run` and `redis_outage_run` return what they saw; `tests/recsite/test_faults.py`
asserts on it and `benchmarks/fault_runs.py` reports it in docs/RELIABILITY.md.
"""

import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.processes import REPO, bare_environ

SECRET_KEY = "fault-runs-only-secret-key-not-used-anywhere-else-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, seconds: float, what: str) -> float:
    """Poll `condition` until it holds; the seconds it took. AssertionError naming `what` on timeout."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free port (run as the `postgres` user when we are root, since
    PostgreSQL refuses to run as root)."""

    def __init__(self, *, primary: "PrivatePostgres | None" = None):
        """A new cluster with an empty `recsite` database or, given a `primary`, a hot standby that
        streams from it (read-only, as a production replica)."""
        self.bin = Path(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())
        self.root = Path(tempfile.mkdtemp(prefix="recsite-pg-"))
        self.root.chmod(0o755)
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/recsite"
        if primary:
            source = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "--checkpoint", "fast"]
            self._as_owner(["pg_basebackup", *source, "-D", str(self.data), "-R", "-X", "stream", "--no-sync"])
            self.start()
            return
        self._as_owner(["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"])
        self.start()
        self._as_owner(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "recsite"])

    def _as_owner(self, command: list[str]) -> None:
        command = [str(self.bin / command[0]), *command[1:]]
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_owner(["pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start"])

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as in a restart or a failover."""
        self._as_owner(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def query(self, sql: str):
        with psycopg.connect(self.url) as connection:
            return connection.execute(sql).fetchone()[0]

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, "redis to start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        self.process.kill()  # as a crash: nothing is saved (the server keeps nothing on disk anyway)
        self.process.wait()


def app_env(postgres: "PrivatePostgres", **settings: str) -> dict[str, str]:
    """The production profile (debug off, JSON logs, collected static files) on `postgres`, over plain
    HTTP on loopback."""
    base = bare_environ()
    return {
        **base,
        "DATABASE_URL": postgres.url,
        "DJANGO_STATIC_ROOT": str(postgres.root / "static"),
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "OMP_NUM_THREADS": "1",
        "RECSITE_THROTTLE_LOGIN": "100/minute",  # a run signs in several users at once
        **settings,
    }


def manage(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    if result.returncode:
        raise AssertionError(f"manage.py {args[0]} failed: {result.stderr}")
    return result.stdout


SEED = """
from decimal import Decimal
from django.contrib.auth import get_user_model
from catalog.models import Item
from feedback.models import Rating
users = [get_user_model().objects.create_user(f"user{n}", password="fault-run-password") for n in range(6)]
items = Item.objects.bulk_create(Item(title=f"Film {n}", year=1990 + n, source="faults", source_id=str(n))
                                 for n in range(30))
Rating.objects.bulk_create(Rating(user=user, item=items[(u * 5 + i) % 30], value=Decimal("4.0"))
                           for u, user in enumerate(users) for i in range(8))
"""


def spawn(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`command` run from the repository, its output appended to `log`."""
    with open(log, "ab") as output:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=output)


class Supervised:
    """A process kept running the way systemd's `Restart=always` keeps a deployed Celery worker running:
    started again whenever it exits, with the restarts counted."""

    def __init__(self, command: list[str], *, env: dict[str, str], log: Path):
        self.command, self.env, self.log = command, env, log
        self.restarts = 0
        self._stopping = threading.Event()
        self.process = spawn(command, env=env, log=log)
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            if self.process.poll() is not None and not self._stopping.is_set():
                self.restarts += 1
                self.process = spawn(self.command, env=self.env, log=self.log)

    def terminate(self) -> None:
        self._stopping.set()
        self._watcher.join()
        self.process.terminate()

    def wait(self, timeout: float):
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        self.process.kill()


@contextmanager
def site(env: dict[str, str], logs: Path, *, worker: bool = False):
    """gunicorn (2 workers) and, if asked, a supervised `default` Celery worker with beat; yields the
    base URL and the processes (the worker last). Their output goes to `logs`/web.log and worker.log."""
    port = free_port()
    web = ["gunicorn", "recsite.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"]
    processes = [spawn([sys.executable, "-m", *web], env=env, log=logs / "web.log")]
    if worker:
        command = ["celery", "-A", "recsite", "worker", "-B", "--schedule", str(logs / "celerybeat-schedule"),
                   "-Q", "default", "-c", "1", "--without-gossip", "--without-mingle", "-l", "INFO"]  # fmt: skip
        processes.append(Supervised([sys.executable, "-m", *command], env=env, log=logs / "worker.log"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: call(f"{base}/health/").status in (200, 503), 60, "gunicorn to answer")
        yield base, processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    def json(self):
        return json.loads(self.body)


def call(
    url: str,
    *,
    method: str = "GET",
    data: dict | None = None,
    token: str | None = None,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    headers = {**({"Content-Type": "application/json"} if data is not None else {}), **(headers or {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(
        url, method=method, headers=headers, data=json.dumps(data).encode() if data is not None else None
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, dict(response.headers), response.read(), time.perf_counter() - started)
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read(), time.perf_counter() - started)
    except (ConnectionError, urllib.error.URLError):
        return Answer(0, {}, b"", time.perf_counter() - started)  # not answered at all


def token_for(base: str, username: str) -> str:
    answer = call(
        f"{base}/api/v1/auth/token/", method="POST", data={"username": username, "password": "fault-run-password"}
    )
    assert answer.status == 200, answer.body
    return answer.json()["access"]


@dataclass
class PostgresRestart:
    down_answers: dict[str, Counter] = field(default_factory=dict)  # path -> statuses while it was down
    down_bodies: dict[str, Answer] = field(default_factory=dict)
    recovery_seconds: float = 0.0  # from PostgreSQL accepting connections to /health/ answering 200
    statuses: Counter = field(default_factory=Counter)  # every answer of the whole run
    app_restarted: bool = False


PATHS = ("/health/", "/items/", "/api/v1/items/", "/api/v1/recommendations/")


def postgres_restart_run(postgres: PrivatePostgres, *, down_seconds: float = 3.0) -> PostgresRestart:
    """Requests to pages and the API while PostgreSQL is stopped (fast shutdown) and started again;
    the app is never restarted."""
    result = PostgresRestart()
    with site(app_env(postgres), postgres.root) as (base, processes):
        token = token_for(base, "user0")

        def ask(path: str) -> Answer:
            answer = call(base + path, token=token if path.startswith("/api/") else None)
            result.statuses[answer.status] += 1
            return answer

        for path in PATHS:
            assert ask(path).status == 200, path
        postgres.stop()
        deadline = time.monotonic() + down_seconds
        while time.monotonic() < deadline:
            for path in PATHS:
                answer = ask(path)
                result.down_answers.setdefault(path, Counter())[answer.status] += 1
                result.down_bodies[path] = answer
        postgres.start()
        result.recovery_seconds = wait_until(lambda: ask("/health/").status == 200, 30, "the site to recover")
        for path in PATHS:
            assert ask(path).status == 200, path
        result.app_restarted = any(process.poll() is not None for process in processes)
    return result


@dataclass
class RedisOutage:
    latencies: dict[str, list[float]]  # phase (before, during, after) -> seconds per rating PUT
    statuses: Counter
    ratings_sent: int
    pairs_rated: int  # distinct (user, item) pairs among them
    pairs_stored: int  # pairs whose stored value is the one sent last
    marked_during: int  # dirty markers in PostgreSQL when Redis came back
    recovery_seconds: float  # from Redis back to every marker refreshed by the worker
    revision_before: int
    revision_after: int
    worker_restarts: int  # times the supervisor started the worker again


def redis_outage_run(postgres: PrivatePostgres, *, down_seconds: float = 4.0, pace: float = 0.1) -> RedisOutage:
    """Ratings PUT through the API before, during and after a Redis crash (Redis is the cache, the
    throttle counter and the broker); then the worker, reconnected, and its beat's sweep catch up."""
    redis = PrivateRedis()
    # item-kNN: the algorithm whose lists follow ratings by the in-place refresh this run watches
    env = app_env(postgres, REDIS_URL=redis.url, RECSITE_REFRESH_SWEEP_SECONDS="1", RECSITE_ALGORITHM="item-knn")
    manage("train", env=env)
    latencies: dict[str, list[float]] = {"before": [], "during": [], "after": []}
    statuses: Counter = Counter()
    sent: dict[tuple[str, int], str] = {}
    try:
        with site(env, postgres.root, worker=True) as (base, processes):
            tokens = {f"user{n}": token_for(base, f"user{n}") for n in range(6)}
            item_ids = _item_ids(postgres)
            counter = 0

            def marked() -> int:
                return postgres.query("select count(*) from recommendations_dirtyitem")

            def rate(phase: str) -> None:
                nonlocal counter
                username = f"user{counter % 6}"
                item = item_ids[(counter * 7) % len(item_ids)]
                value = ("1.5", "3.0", "4.5", "5.0")[counter % 4]
                answer = call(
                    f"{base}/api/v1/ratings/{item}/", method="PUT", data={"value": value}, token=tokens[username]
                )
                statuses[answer.status] += 1
                if answer.status in (200, 201):
                    sent[(username, item)] = value
                latencies[phase].append(answer.seconds)
                counter += 1
                time.sleep(pace)

            for _ in range(10):
                rate("before")
            wait_until(lambda: not marked(), 30, "refreshes")
            revision_before = postgres.query("select revision from recommendations_modelversion where status='active'")
            redis.stop()
            deadline = time.monotonic() + down_seconds
            while time.monotonic() < deadline:
                rate("during")
            marked_during = marked()
            redis.start()
            back = time.monotonic()
            for _ in range(10):
                rate("after")
            try:
                wait_until(lambda: not marked(), 60, "the sweep")
            except AssertionError as timeout:
                raise AssertionError(
                    f"{timeout}; the worker's log ends:\n{_log_tail(postgres.root / 'worker.log')}"
                ) from None
            recovery = time.monotonic() - back
            revision_after = postgres.query("select revision from recommendations_modelversion where status='active'")
            worker_restarts = processes[-1].restarts
    finally:
        redis.stop()
    stored = _stored_values(postgres)
    return RedisOutage(
        latencies=latencies,
        statuses=statuses,
        ratings_sent=sum(len(values) for values in latencies.values()),
        pairs_rated=len(sent),
        pairs_stored=sum(stored.get(pair) == value for pair, value in sent.items()),
        marked_during=marked_during,
        recovery_seconds=recovery,
        revision_before=revision_before,
        revision_after=revision_after,
        worker_restarts=worker_restarts,
    )


def _log_tail(path: Path, lines: int = 15) -> str:
    """The last lines that are not a task's routine success."""
    kept = [line for line in path.read_text(errors="replace").splitlines() if '"level": "INFO"' not in line]
    return "\n".join(line if '"CRITICAL"' in line else line[:400] for line in kept[-lines:])


def _item_ids(postgres: PrivatePostgres) -> list[int]:
    with psycopg.connect(postgres.url) as connection:
        return [row[0] for row in connection.execute("select id from catalog_item order by id")]


def _stored_values(postgres: PrivatePostgres) -> dict[tuple[str, int], str]:
    """Every stored rating, by (username, item id), in one query."""
    with psycopg.connect(postgres.url) as connection:
        rows = connection.execute(
            "select u.username, r.item_id, r.value from feedback_rating r join auth_user u on u.id = r.user_id"
        )
        return {(username, item): f"{value:.1f}" for username, item, value in rows}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


@contextmanager
def seeded_postgres():
    """A private PostgreSQL, migrated, with 6 users, 30 items and 48 ratings."""
    postgres = PrivatePostgres()
    try:
        env = app_env(postgres)
        manage("migrate", "--no-input", env=env)
        manage("shell", "-c", SEED, env=env)
        manage("collectstatic", "--no-input", env=env)
        yield postgres
    finally:
        postgres.remove()

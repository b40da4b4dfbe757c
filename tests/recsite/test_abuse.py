"""Requests in words from abusive clients do not starve the site: gunicorn as deployed (with its start-up
hook), four clients sending long random-word requests to the home page as fast as they are answered, and
a catalogue page timed before and during. Bounded: the clients stop by themselves after a few seconds."""

import os
import random
import string
import sys
import threading
import time
from urllib.parse import urlencode

import pytest

from tests.faults import app_env, call, free_port, median, seeded_postgres, spawn, wait_until

pytestmark = pytest.mark.slow

ABUSIVE_CLIENTS, ABUSE_SECONDS = 4, 12


def random_request(rng: random.Random) -> str:
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10))) for _ in range(80)]
    return " ".join(words)[:490]


def test_abusive_requests_in_words_leave_the_catalogue_responsive(tmp_path):
    with seeded_postgres() as postgres:
        env = app_env(postgres, REDIS_URL=os.environ["REDIS_URL"], DJANGO_CACHE_PREFIX=f"abuse-{free_port()}")
        port = free_port()
        web = ["gunicorn", "-c", "recsite/gunicorn_conf.py", "recsite.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", "2", "--timeout", "30"]  # fmt: skip
        log = tmp_path / "web.log"
        server = spawn([sys.executable, "-m", *web], env=env, log=log)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: call(f"{base}/items/").status == 200, 90, "gunicorn to answer")
            quiet = [call(f"{base}/items/").seconds for _ in range(20)]

            stop = threading.Event()
            statuses: list[int] = []

            def abuse(seed: int) -> None:
                rng = random.Random(seed)
                while not stop.is_set():
                    query = urlencode({"q": random_request(rng), "mode": "new"})
                    statuses.append(call(f"{base}/?{query}").status)

            clients = [threading.Thread(target=abuse, args=(n,)) for n in range(ABUSIVE_CLIENTS)]
            for client in clients:
                client.start()
            during: list[float] = []
            deadline = time.monotonic() + ABUSE_SECONDS
            while time.monotonic() < deadline:
                during.append(call(f"{base}/items/").seconds)
                time.sleep(0.1)
            stop.set()
            for client in clients:
                client.join(timeout=40)
        finally:
            server.terminate()
            server.wait(timeout=30)

    web_log = log.read_text()
    assert median(during) <= 3 * max(median(quiet), 0.01), (median(quiet), median(during))
    assert "WORKER TIMEOUT" not in web_log
    assert set(statuses) <= {200, 429}, web_log[web_log.find("Traceback") :][:3000]
    assert 429 in statuses  # the limit on requests in words did its part

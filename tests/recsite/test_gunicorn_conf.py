"""recsite/gunicorn_conf.py: each web worker loads the encoder and the intent parser as it starts, so no
request pays for them, and refuses to serve a configuration the system checks call an error. The hook is
called directly here, then once in real gunicorn processes."""

import subprocess
import sys
import time
import urllib.request

import pytest
from django.core.exceptions import ImproperlyConfigured

from recommendations import serving
from recsite import gunicorn_conf
from tests.faults import free_port
from tests.processes import REPO, bare_environ, child_env


class Worker:
    """What the hook uses of a gunicorn worker: notify() tells the master it is alive."""

    def __init__(self):
        self.notified = 0

    def notify(self):
        self.notified += 1


@pytest.fixture
def nothing_loaded(monkeypatch):
    monkeypatch.setattr(serving, "_encoder", None)
    monkeypatch.setattr(serving, "_parser", None)


@pytest.mark.django_db(transaction=True)  # the hook closes its database connection when done
def test_a_worker_loads_the_encoder_and_the_intent_parser_before_its_first_request(taste_world, nothing_loaded):
    worker = Worker()

    gunicorn_conf.post_worker_init(worker)

    assert serving._encoder is not None
    assert serving._parser is not None
    assert serving.intent_parser() is serving._parser[1]  # a request finds it built, as the catalogue is
    assert worker.notified >= 3  # alive after the checks, the encoder and the parser


def test_without_a_database_the_worker_still_boots_with_the_encoder(nothing_loaded, monkeypatch, caplog):
    def unreachable():
        raise ConnectionError("no database")

    monkeypatch.setattr(serving, "intent_parser", unreachable)

    gunicorn_conf.models_warm()

    assert serving._encoder is not None
    assert "models not loaded at start: encoder" in caplog.text


def test_a_worker_refuses_a_configuration_with_a_system_check_error(settings, nothing_loaded):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}

    with pytest.raises(ImproperlyConfigured, match=r"recsite\.E001"):
        gunicorn_conf.post_worker_init(Worker())
    assert serving._encoder is None  # refused before loading anything


def gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    base = bare_environ()
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "recsite/gunicorn_conf.py", "recsite.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        cwd=REPO, env={**base, **env, "OMP_NUM_THREADS": "1"}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_gunicorn_loads_the_models_before_serving_and_stops_on_a_check_error(taste_world):
    env = child_env(DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_LOG_FORMAT="text")
    port = free_port()
    web = gunicorn(env, port)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live/", timeout=2) as answer:  # nosec B310
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not answer")
    finally:
        web.terminate()
        output = web.communicate(timeout=30)[0]
    assert "loaded at start: encoder, intent parser" in output, output

    refused = gunicorn({**env, "DJANGO_BEHIND_TLS_PROXY": "true"}, free_port())
    output = refused.communicate(timeout=90)[0]
    assert refused.returncode == 3, output  # gunicorn's "Worker failed to boot": the master stops too
    assert "recsite.E001" in output

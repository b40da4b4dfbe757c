"""A Python client generated from the schema by openapi-python-client, as an app team would generate it:
every operation generated with no warning, then the mobile flow through it against a live server. The
client raises on any status the schema does not declare, and parses every answer into its models."""

import contextlib
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.recsite.mobile_flow import FLOW_INPUT, assert_mobile_flow

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PACKAGE = "recsite_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def python_client(openapi_schema, tmp_path, monkeypatch):
    """The generated package, importable as `recsite_client`; the generator's output, for its warnings."""
    out = tmp_path / PACKAGE
    generated = subprocess.run(
        [GENERATOR, "generate", "--path", openapi_schema, "--output-path", out, "--meta", "none"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"},  # our ruff formats
    )  # fmt: skip
    monkeypatch.syspath_prepend(str(tmp_path))
    yield out, generated
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_the_generator_makes_every_operation_with_no_warning(openapi_schema, python_client):
    out, generated = python_client
    output = generated.stdout + generated.stderr

    assert generated.returncode == 0, output
    assert "warning" not in output.lower(), output
    schema = json.loads(openapi_schema.read_text())
    operations = {operation["operationId"] for path in schema["paths"].values() for operation in path.values()}
    assert {module.stem for module in out.glob("api/*/*.py")} - {"__init__"} == operations


def op(name: str):
    """A generated operation's module, by operationId (`ratings_update`), under its tag's package."""
    tag = name.split("_")[0]
    return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")


def run_mobile_flow(url: str, flow: dict) -> dict:
    """The flow tests/recsite/mobile_flow.py describes, written as an app would with the generated client."""
    client_module = importlib.import_module(PACKAGE)
    models = importlib.import_module(f"{PACKAGE}.models")
    with contextlib.ExitStack() as connections:  # each client closes its connections when done
        anonymous = connections.enter_context(client_module.Client(base_url=url, raise_on_unexpected_status=True))

        registered = op("auth_register_create").sync_detailed(
            client=anonymous, body=models.RegisterRequest(username=flow["username"], password=flow["password"])
        )
        assert registered.status_code == 201, registered.content
        tokens = op("auth_token_create").sync(
            client=anonymous,
            body=models.FingerprintedTokenObtainPairRequest(username=flow["username"], password=flow["password"]),
        )
        assert isinstance(tokens, models.FingerprintedTokenObtainPair), tokens
        api = connections.enter_context(
            client_module.AuthenticatedClient(base_url=url, token=tokens.access, raise_on_unexpected_status=True)
        )
        me = op("me_retrieve").sync(client=api)

        browsed = op("items_list").sync(client=api, category=flow["category"])
        first, second = browsed.results[:2]
        assert all(flow["category"] in item.categories for item in browsed.results)

        rated = []
        for item, value in ((first, 4.5), (second, 5)):
            answer = op("ratings_update").sync_detailed(item.id, client=api, body=models.RatingRequest(value=value))
            assert answer.status_code == 201, answer.content
            rated.append({"item": answer.parsed.item, "value": answer.parsed.value})
        changed = op("ratings_update").sync_detailed(second.id, client=api, body=models.RatingRequest(value=4.5))
        assert (changed.status_code, changed.parsed.value) == (200, 4.5)
        refused = op("ratings_update").sync_detailed(first.id, client=api, body=models.RatingRequest(value=4.3))
        assert isinstance(refused.parsed, models.RatingsUpdateErrors), refused.content

        mine = op("ratings_list").sync(client=api)
        plain = op("recommendations_retrieve").sync(client=api, n=5)
        asked = op("recommendations_retrieve").sync(client=api, intent=flow["intent"], n=5)
        understood = asked.intent.categories
        filtered = op("recommendations_retrieve").sync(client=api, category=understood, n=5)
        category_items = [
            item.title for slug in understood for item in op("items_list").sync(client=api, category=slug).results
        ]

        top = asked.items[0]
        statuses, retry_after, reason = [], None, None
        while reason is None and len(statuses) < 20:
            answer = op("explanations_retrieve").sync_detailed(client=api, item=top.item.id, intent=flow["intent"])
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                reason = answer.parsed
            else:
                retry_after = retry_after or int(answer.headers["Retry-After"])
                time.sleep(int(answer.headers["Retry-After"]))  # a live server: the client waits as told

        reactions = []
        for body in (
            models.FeedbackEventRequest(item=top.item.id, kind=models.KindEnum.LIKE),
            models.FeedbackEventRequest(item=first.id, kind=models.KindEnum.NOT_INTERESTED),
            models.FeedbackEventRequest(
                item=top.item.id, kind=models.KindEnum.REASON_HELPFUL, explanation=reason.explanation
            ),
        ):
            answer = op("feedback_create").sync_detailed(client=api, body=body)
            assert answer.status_code == 201, answer.content
            reactions.append(answer.parsed.kind.value)

        renewed = op("auth_token_refresh_create").sync(
            client=anonymous, body=models.FingerprintedTokenRefreshRequest(refresh=tokens.refresh)
        )
        api = connections.enter_context(
            client_module.AuthenticatedClient(base_url=url, token=renewed.access, raise_on_unexpected_status=True)
        )
        assert op("me_retrieve").sync(client=api).id == me.id
        revoked = op("auth_token_revoke_create").sync_detailed(
            client=anonymous, body=models.RevokeRequest(refresh=renewed.refresh)
        )
        assert revoked.status_code == 204, revoked.content
        again = op("auth_token_refresh_create").sync_detailed(
            client=anonymous, body=models.FingerprintedTokenRefreshRequest(refresh=renewed.refresh)
        )

    return {
        "user": me.id,
        "rated": rated,
        "bad_rating": {"status": refused.status_code, "value": refused.parsed.value},
        "ratings": [{"item": rating.item, "value": rating.value} for rating in mine.results],
        "plain": [{"item": row.item.id, "source": row.source.value} for row in plain.items],
        "intent": {"categories": understood, "summary": asked.intent.summary},
        "filtered": [row.item.categories for row in filtered.items],
        "category_items": category_items,
        "reason": {"statuses": statuses, "retry_after": retry_after, "item": reason.item, "text": reason.text,
                   "source": reason.source.value},
        "reactions": reactions,
        "refresh_after_revoke": again.status_code,
    }  # fmt: skip


def test_the_mobile_flow_runs_through_the_generated_client(mobile_api, python_client):
    _, generated = python_client
    assert generated.returncode == 0, generated.stdout + generated.stderr

    report = run_mobile_flow(mobile_api["url"], FLOW_INPUT)

    assert_mobile_flow(report, mobile_api)

"""Reads on a replica (common/db_routers.py): the router's choices in-process, then the deployed site
on a real streaming replica whose replay is paused, so what came from where shows."""

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from catalog.models import Item
from common import db_routers
from common.db_routers import PIN_COOKIE, PrimaryReplicaRouter, ReplicaReadsMiddleware, primary_reads
from tests.faults import PrivatePostgres, app_env, call, seeded_postgres, site, token_for, wait_until

router = PrimaryReplicaRouter()
HEALTH_TOKEN = "replica-test-health-token"
MONITOR = {"X-Health-Token": HEALTH_TOKEN}  # the full report (/health/detail/) names the replica


@pytest.fixture
def through_middleware(monkeypatch):
    """Runs `view` behind ReplicaReadsMiddleware as if a replica were configured; the answer and the
    alias each read and write in the view was routed to."""
    monkeypatch.setattr(db_routers, "replica_configured", lambda: True)

    def run(request, view=lambda: None):
        seen = []

        def get_response(_request):
            seen.append(router.db_for_read(Item))
            view()
            seen.append(router.db_for_read(Item))
            return HttpResponse()

        return ReplicaReadsMiddleware(get_response)(request), seen

    return run


def test_outside_a_request_every_read_and_write_goes_to_the_primary():
    assert router.db_for_read(Item) == "default"
    assert router.db_for_write(Item) == "default"
    assert router.allow_migrate("default", "catalog")
    assert not router.allow_migrate("replica", "catalog")


def test_a_read_only_request_reads_from_the_replica_and_is_not_pinned(through_middleware):
    response, seen = through_middleware(RequestFactory().get("/items/"))

    assert seen == ["replica", "replica"]
    assert PIN_COOKIE not in response.cookies


def test_a_request_that_writes_reads_its_own_writes_and_pins_its_client(through_middleware):
    response, seen = through_middleware(RequestFactory().get("/"), view=lambda: router.db_for_write(Item))

    assert seen == ["replica", "default"]
    assert response.cookies[PIN_COOKIE]["max-age"] == 5
    assert response.cookies[PIN_COOKIE]["httponly"]


def test_unsafe_methods_and_pinned_clients_read_from_the_primary(through_middleware):
    posted, seen_posting = through_middleware(RequestFactory().post("/api/v1/ratings/"))
    pinned = RequestFactory().get("/")
    pinned.COOKIES[PIN_COOKIE] = "1"
    _, seen_pinned = through_middleware(pinned)

    assert seen_posting == ["default", "default"]
    assert PIN_COOKIE in posted.cookies
    assert seen_pinned == ["default", "default"]


@pytest.mark.django_db(transaction=True)  # no test transaction around it: the view opens its own
def test_reads_inside_a_transaction_or_the_health_check_use_the_primary(through_middleware):
    def view():
        with transaction.atomic():
            assert router.db_for_read(Item) == "default"
        with primary_reads():
            assert router.db_for_read(Item) == "default"

    _, seen = through_middleware(RequestFactory().get("/"), view=view)

    assert seen == ["replica", "replica"]


NEW_ITEM = """
insert into catalog_item (title, year, description, keywords, external_ids, source, source_id, is_active,
                          is_featured, created, updated)
values ('Only on the primary', 2001, '', '', '{}', 'replica-test', '1', true, false, now(), now())
returning id
"""


@pytest.mark.slow
def test_on_a_streaming_replica_reads_lag_writers_read_their_own_writes_and_a_lost_replica_is_bypassed():
    with seeded_postgres() as primary:
        replica = PrivatePostgres(primary=primary)
        try:
            env = app_env(primary, DATABASE_REPLICA_URL=replica.url, RECSITE_HEALTH_TOKEN=HEALTH_TOKEN)
            with site(env, primary.root) as (base, _):
                token = token_for(base, "user0")
                assert call(f"{base}/health/detail/", headers=MONITOR).json()["replica"] == "ok"
                replica.query("select pg_wal_replay_pause()")
                item = primary.query(NEW_ITEM)

                from_replica = call(f"{base}/api/v1/items/{item}/", token=token)
                rated = call(f"{base}/api/v1/ratings/{item}/", method="PUT", data={"value": "4.5"}, token=token)
                pinned = call(f"{base}/api/v1/items/{item}/", token=token, cookie=f"{PIN_COOKIE}=1")
                replica.query("select pg_wal_replay_resume()")
                caught_up = wait_until(
                    lambda: call(f"{base}/api/v1/items/{item}/", token=token).status == 200, 30, "the replica"
                )
                replica.stop()
                replica_down = [call(f"{base}/api/v1/items/{item}/", token=token) for _ in range(12)]
                health = call(f"{base}/health/detail/", headers=MONITOR)
        finally:
            replica.remove()

    assert from_replica.status == 404  # the replica has not replayed the insert yet
    assert rated.status == 201  # the write request found the item on the primary
    assert f"{PIN_COOKIE}=1" in rated.headers["Set-Cookie"]
    assert pinned.status == 200  # the writer's next reads come from the primary
    assert caught_up < 30
    # with the replica gone, each gunicorn worker (2) answers at most one 503, then reads from the primary
    statuses = [answer.status for answer in replica_down]
    assert statuses.count(503) <= 2, statuses
    assert statuses.count(200) == len(statuses) - statuses.count(503), statuses
    assert all(answer.headers["Retry-After"] == "5" for answer in replica_down if answer.status == 503)
    assert (health.status, health.json()["status"], health.json()["replica"]) == (200, "degraded", "down")

"""Fault runs on a PostgreSQL and a Redis of the test's own (tests/faults.py): PostgreSQL restarted
under requests, Redis crashed while ratings come in. The Celery worker runs supervised, as deployed
(docs/DEPLOY.md): kombu sometimes gives up on a Redis connection lost mid-reconnect ('NoneType' object
has no attribute 'hostname', celery/kombu#582) and the worker exits; its supervisor starts it again."""

import pytest

from tests.faults import postgres_restart_run, redis_outage_run, seeded_postgres

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def postgres():
    with seeded_postgres() as server:
        yield server


def test_with_postgresql_restarted_the_site_answers_503_then_recovers_without_a_restart(postgres):
    run = postgres_restart_run(postgres)

    assert run.statuses[500] == 0
    for path, statuses in run.down_answers.items():
        assert set(statuses) == {503}, (path, statuses)
    assert run.down_bodies["/health/"].json()["database"] == "down"
    assert run.down_bodies["/api/v1/items/"].json() == {
        "detail": "The service is briefly unavailable; try again shortly."
    }
    assert run.down_bodies["/items/"].headers["Retry-After"] == "5"
    assert b"Back in a moment" in run.down_bodies["/items/"].body
    assert not run.app_restarted
    assert run.recovery_seconds < 30


def test_with_redis_down_ratings_are_accepted_none_lost_and_the_sweep_catches_up(postgres):
    run = redis_outage_run(postgres)

    assert set(run.statuses) <= {200, 201}, run.statuses
    assert len(run.latencies["during"]) > 5
    assert run.pairs_stored == run.pairs_rated > 0  # every rating kept, with its last value
    assert run.marked_during > 0  # the outage's ratings waited in PostgreSQL for the sweep
    assert run.revision_after > run.revision_before  # and the worker refreshed them once Redis was back

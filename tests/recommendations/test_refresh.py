"""The feedback loop's refresh: dirty items, the in-place refresh, coalescing, the sweep, a broker that is
down, and real workers (one of them killed mid-task)."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.db import transaction

from catalog.models import Item
from feedback.services import rating_delete, rating_upsert
from recommendations.models import DirtyItem, ItemNeighbor, ModelVersion
from recommendations.selectors import recommendations_for_user
from recommendations.services.refresh import model_refresh, model_refresh_sweep
from recommendations.services.training import model_train
from tests.factories import UserFactory
from tests.processes import celery_worker, child_env, manage, stop


@pytest.fixture(autouse=True)
def _refreshable_algorithm(settings):
    """The in-place refresh is item-kNN's (the default, EASE, waits for the scheduled retrain)."""
    settings.RECSITE_ALGORITHM = "item-knn"


def neighbour_lists(version: ModelVersion) -> set[tuple[int, int, float]]:
    rows = ItemNeighbor.objects.filter(version=version).values_list("item_id", "neighbor_id", "score")
    return {(item, neighbor, round(score, 5)) for item, neighbor, score in rows}


def cross_over(films, n: int = 4) -> None:
    """`n` new users who love both Alien and Heat: the two clusters meet."""
    for i in range(n):
        fan = UserFactory(username=f"crossover-{i}")
        rating_upsert(user=fan, item=films["Alien"], value="5")
        rating_upsert(user=fan, item=films["Heat"], value="5")


def heat_for_the_newcomer(world):
    heat = world["films"]["Heat"]
    return next(r for r in recommendations_for_user(user=world["newcomer"], n=10) if r.item == heat)


@pytest.mark.django_db
def test_a_refresh_rewrites_the_changed_lists_in_place_as_a_retrain_would(taste_world, clean_cache):
    films = taste_world["films"]
    version = model_train()
    assert heat_for_the_newcomer(taste_world).source == "popular"

    cross_over(films)
    assert set(DirtyItem.objects.values_list("item_id", flat=True)) == {films["Alien"].pk, films["Heat"].pk}
    result = model_refresh()

    version.refresh_from_db()
    assert result.version_id == version.pk
    assert version.revision == result.revision == 1
    assert result.dirty_items == 2
    assert not DirtyItem.objects.exists()
    refreshed = heat_for_the_newcomer(taste_world)  # the newcomer rated nothing new: the model changed
    assert refreshed.source == "knn"
    assert [e.title for e in refreshed.evidence] == ["Alien"]
    # k (10) holds every neighbour of these six films, so the refresh is exact
    assert neighbour_lists(version) == neighbour_lists(model_train())
    assert model_refresh() is None  # nothing left to do


@pytest.mark.django_db
def test_removing_ratings_is_refreshed_too(taste_world, clean_cache):
    films = taste_world["films"]
    model_train()
    cross_over(films, n=2)
    model_refresh()
    for i in range(2):
        rating_delete(user=UserFactory(username=f"crossover-{i}"), item=films["Heat"])

    model_refresh()

    assert heat_for_the_newcomer(taste_world).source == "popular"
    assert neighbour_lists(ModelVersion.objects.get(status="active")) == neighbour_lists(model_train())


@pytest.mark.django_db
def test_a_burst_of_ratings_enqueues_one_refresh(
    taste_world, clean_cache, default_queue, django_capture_on_commit_callbacks
):
    model_train()
    items = list(Item.objects.all())
    users = [UserFactory(username=f"burst-{n}") for n in range(17)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for n in range(100):
            rating_upsert(user=users[n % 17], item=items[n % 6], value=str(0.5 + (n % 10) / 2))

    assert len(callbacks) == 100  # each rating asked for a refresh once it committed...
    assert default_queue() == 1  # ...and they share one task
    assert DirtyItem.objects.count() == 6


@pytest.mark.django_db
def test_the_sweep_refreshes_what_is_marked_and_trains_when_nothing_is_active(taste_world, clean_cache):
    assert isinstance(model_refresh_sweep(), ModelVersion)  # ratings but no version yet
    cross_over(taste_world["films"], n=1)

    result = model_refresh_sweep()

    assert result.dirty_items == 2
    assert not DirtyItem.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_rating_is_stored_and_the_sweep_takes_it_up(taste_world, clean_cache):
    model_train()
    heat = taste_world["films"]["Heat"]

    rated = manage(
        "rate", "--user", "newcomer", "--item", str(heat.pk), "--value", "4.5",
        env=child_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0"),  # nothing listens on port 1
    )  # fmt: skip

    assert rated.returncode == 0, rated.stderr
    assert "rated" in rated.stdout
    assert "refresh not enqueued" in rated.stderr  # logged, not raised
    assert DirtyItem.objects.filter(item=heat).exists()
    assert model_refresh_sweep().dirty_items == 1
    assert not DirtyItem.objects.exists()


@pytest.fixture
def default_worker(default_queue, tmp_path):
    """A real `celery worker -Q default` on the test database, whose first refresh stalls inside its
    transaction (tests/stalling_worker.py) and writes its pid to a file, so a test can kill it there."""
    stall = tmp_path / "stalled-pid"
    worker = celery_worker(
        queues="default", app="tests.stalling_worker", env=child_env(RECSITE_TEST_STALL_FILE=str(stall))
    )
    yield worker, stall
    stop(worker)


def wait_for(condition, worker, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert worker.poll() is None, worker.stdout.read()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_refresh_loses_nothing_and_the_work_is_done_once(taste_world, clean_cache, default_worker):
    worker, stall = default_worker
    version = model_train()

    with transaction.atomic():  # one commit: one refresh task, enqueued to the real worker
        cross_over(taste_world["films"])
    wait_for(stall.exists, worker)
    os.kill(int(stall.read_text()), signal.SIGKILL)  # the pool process, inside the refresh's transaction

    wait_for(lambda: not DirtyItem.objects.exists(), worker)  # redelivered to the restarted process
    version.refresh_from_db()
    assert version.revision == 1  # done exactly once
    assert heat_for_the_newcomer(taste_world).source == "knn"
    assert Path(stall).read_text().strip()  # the first process really stalled


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_through_a_real_worker_a_rating_changes_other_users_lists(taste_world, clean_cache, default_worker):
    worker, stall = default_worker
    stall.write_text("no stall in this test")
    model_train()
    assert heat_for_the_newcomer(taste_world).source == "popular"

    cross_over(taste_world["films"])

    wait_for(lambda: heat_for_the_newcomer(taste_world).source == "knn", worker)
    assert ModelVersion.objects.get(status="active").revision >= 1

"""Training split into item ranges, run as a Celery chord: in-process (eager), and on a real worker with
the Redis result backend."""

import io
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from feedback.services import rating_upsert
from recommendations.models import DirtyItem, ModelVersion, TrainingRun
from recommendations.services.training import (
    TrainingRunGoneError,
    model_train,
    training_block_compute,
    training_run_finish,
    training_run_start,
)
from recommendations.tasks.training import model_retrain_task
from tests.factories import UserFactory
from tests.processes import celery_worker, child_env, manage, stop
from tests.recommendations.test_refresh import neighbour_lists


@pytest.fixture(autouse=True)
def _split_fit_algorithm(settings):
    """Training split into blocks is item-kNN's (SplitFit); the default, EASE, fits in one process."""
    settings.RECSITE_ALGORITHM = "item-knn"


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_a_run_of_three_blocks_activates_the_same_model_a_single_process_fit_does(
    taste_world, eager, django_capture_on_commit_callbacks
):
    single = model_train()

    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_start(blocks=3)

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.DONE
    assert run.blocks == 3
    assert run.version.status == ModelVersion.Status.ACTIVE
    assert run.version.pk != single.pk
    assert neighbour_lists(run.version) == neighbour_lists(single)
    assert run.version.popular_item_ids == single.popular_item_ids
    assert run.version.metrics["blocks"] == 3
    assert bytes(run.snapshot) == b""  # the snapshot is not kept once the version is written


def test_finishing_a_run_twice_writes_one_version(taste_world, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = training_run_start(blocks=2)
    versions = ModelVersion.objects.count()

    again = training_run_finish(run_id=run.pk, blocks=[])

    run.refresh_from_db()
    assert again == run.version
    assert ModelVersion.objects.count() == versions


def test_the_run_reads_the_ratings_once_so_later_ratings_wait_for_the_next_refresh(taste_world):
    run = training_run_start(blocks=2)  # the chord is sent on commit, which this test never reaches
    blocks = [training_block_compute(run_id=run.pk, start=start, stop=stop) for start, stop in [(0, 3), (3, 6)]]
    rating_upsert(user=UserFactory(), item=taste_world["films"]["Heat"], value="5")  # after the snapshot

    version = training_run_finish(run_id=run.pk, blocks=blocks)

    assert version.n_ratings == run.n_ratings == 22
    assert DirtyItem.objects.filter(item=taste_world["films"]["Heat"]).exists()  # left for the refresh


def test_the_dirty_markers_read_before_the_snapshot_are_cleared(taste_world):
    DirtyItem.objects.create(item=taste_world["films"]["Ran"])
    run = training_run_start(blocks=1)

    training_run_finish(run_id=run.pk, blocks=[training_block_compute(run_id=run.pk, start=0, stop=run.n_items)])

    assert not DirtyItem.objects.exists()


def test_a_block_of_a_run_that_ended_is_refused(taste_world):
    run = training_run_start(blocks=2)
    TrainingRun.objects.filter(pk=run.pk).update(status=TrainingRun.Status.FAILED)

    with pytest.raises(TrainingRunGoneError, match=f"training run {run.pk} is not running"):
        training_block_compute(run_id=run.pk, start=0, stop=3)


def test_blocks_that_miss_items_write_nothing(taste_world):
    run = training_run_start(blocks=2)

    with pytest.raises(ValueError, match="item ranges"):
        training_run_finish(run_id=run.pk, blocks=[training_block_compute(run_id=run.pk, start=0, stop=3)])

    run.refresh_from_db()
    assert run.status == TrainingRun.Status.RUNNING
    assert not ModelVersion.objects.exists()


def test_a_run_in_progress_is_returned_and_a_stale_one_is_failed(taste_world):
    first = training_run_start(blocks=2)
    assert training_run_start(blocks=4) == first  # one run at a time

    TrainingRun.objects.filter(pk=first.pk).update(started_at=timezone.now() - timedelta(hours=2))
    second = training_run_start(blocks=4)

    first.refresh_from_db()
    assert second != first
    assert first.status == TrainingRun.Status.FAILED
    assert first.error == "did not finish in time"
    assert bytes(first.snapshot) == b""


@pytest.mark.django_db
def test_a_run_needs_at_least_one_block():
    with pytest.raises(ValidationError, match="must be at least 1"):
        training_run_start(blocks=0)
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db(transaction=True)  # the chord is sent when the run's row commits
def test_train_with_blocks_reports_the_version_when_tasks_run_in_process(taste_world, eager):
    out = io.StringIO()

    call_command("train", "--blocks", "4", stdout=out)

    assert "from 4 blocks" in out.getvalue()
    assert ModelVersion.objects.get(status="active").metrics["blocks"] == 4


@pytest.mark.django_db
def test_train_refuses_blocks_below_one():
    with pytest.raises(CommandError, match="--blocks must be at least 1, not 0"):
        call_command("train", "--blocks", "0")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_run_is_failed_and_the_command_says_so(taste_world):
    result = manage("train", "--blocks", "2", env=child_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0"))

    assert result.returncode == 1
    assert "failed: not enqueued" in result.stderr
    assert TrainingRun.objects.get().status == TrainingRun.Status.FAILED
    assert not ModelVersion.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_real_worker_the_chord_activates_the_same_model_as_a_single_process_fit(
    taste_world, clean_cache, default_queue
):
    single = model_train()
    worker = celery_worker(queues="default", env=child_env())
    try:
        started = manage("train", "--blocks", "4", env=child_env())
        assert started.returncode == 0, started.stderr
        assert "4 item ranges queued" in started.stdout

        run = TrainingRun.objects.get()
        deadline = time.monotonic() + 60
        while run.status == TrainingRun.Status.RUNNING:
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.2)
            run.refresh_from_db()
    finally:
        stop(worker)

    assert run.status == TrainingRun.Status.DONE
    assert run.version.status == ModelVersion.Status.ACTIVE
    assert neighbour_lists(run.version) == neighbour_lists(single)


@pytest.mark.django_db(transaction=True)
def test_the_hourly_retrain_runs_as_a_chord_when_blocks_are_configured(taste_world, eager, settings):
    settings.RECSITE_TRAIN_BLOCKS = 3

    model_retrain_task()

    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.DONE
    assert run.version.status == ModelVersion.Status.ACTIVE

"""Reasons through the service, the task and the command, with a tiny random generator (whose text the
guard rejects, so the template is served) and the real database, cache and broker."""

import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from explanations.models import Explanation
from explanations.services import explanation_request, explanations_generate, explanations_precompute
from explanations.tasks import explanations_generate_task
from language.server import GeneratorUnavailable
from recommendations.services.training import model_train
from recsite.celery import app as celery_app


@pytest.fixture
def world(taste_world, tiny_generator, clean_cache, llm_queue):
    model_train()
    return taste_world


@pytest.mark.django_db
def test_a_missing_reason_is_pending_with_one_task_then_ready_from_the_cache(world, llm_queue):
    user, aliens = world["newcomer"], world["films"]["Aliens"]

    first = explanation_request(user=user, item=aliens)
    second = explanation_request(user=user, item=aliens)

    assert first.status == second.status == "pending"
    assert Explanation.objects.count() == 1
    explanation = Explanation.objects.get()
    assert explanation.evidence_item_ids == [world["films"]["Alien"].pk]
    assert celery_app.amqp.router.route({}, explanations_generate_task.name)["queue"].name == "llm"
    # transaction.on_commit runs when the test's transaction would commit; run them as it would.
    assert llm_queue() == 0

    explanations_generate_task.apply(args=[[explanation.pk]]).get()
    ready = explanation_request(user=user, item=aliens)

    assert ready.status == "ready"
    assert ready.source == "template"  # random weights write nonsense; the guard refuses it
    assert ready.text == "Because you liked Alien: a 1995 Sci-Fi film."
    assert "first:" in ready.verdict
    assert "strict:" in ready.verdict


@pytest.mark.django_db
def test_running_the_task_twice_writes_once(world):
    explanation_request(user=world["newcomer"], item=world["films"]["Predator"])
    explanation = Explanation.objects.get()

    explanations_generate_task.apply(args=[[explanation.pk]]).get()
    written = Explanation.objects.get().updated
    explanations_generate_task.apply(args=[[explanation.pk]]).get()

    assert Explanation.objects.count() == 1
    assert Explanation.objects.get().updated == written


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_enqueue_exactly_one_task(world, llm_queue):
    user, ran = world["newcomer"], world["films"]["Ran"]
    errors = []

    def ask():
        try:
            assert explanation_request(user=user, item=ran).status == "pending"
        except Exception as exc:  # surfaced below; a thread cannot fail the test itself
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Explanation.objects.filter(item=ran).count() == 1
    assert llm_queue() == 1


@pytest.mark.django_db
def test_explain_command_writes_synchronously(world):
    out = StringIO()
    call_command("explain", "--user", "newcomer", "--item", str(world["films"]["Predator"].pk), "--json", stdout=out)

    row = json.loads(out.getvalue())
    assert row["source"] == "template"
    assert row["text"] == "Because you liked Alien: a 1995 Sci-Fi film."
    assert row["guard"].startswith("first:")
    assert Explanation.objects.get().status == "ready"
    assert row["facts"]["evidence_titles"] == ["Alien"]
    traced = {entry["word"]: (entry["kind"], entry["fact"]) for entry in row["trace"]}
    assert traced["Alien"] == ("liked", "Alien")
    assert traced["Sci-Fi"] == ("category", "Sci-Fi")
    assert traced["1995"] == ("year", "1995")
    assert traced["liked"] == ("closed", "")
    assert all(entry["kind"] is not None for entry in row["trace"])


@pytest.mark.django_db
def test_precompute_asks_for_the_top_reasons_of_recent_users_bounded(
    world, settings, llm_queue, django_capture_on_commit_callbacks
):
    settings.RECSITE_REASON_BATCH_SIZE = 2
    with django_capture_on_commit_callbacks(execute=True):
        asked = explanations_precompute(users=3, items=2)
    created = Explanation.objects.count()

    assert asked == 6
    assert 2 <= created <= 6  # users with the same evidence for an item share its reason
    assert set(Explanation.objects.values_list("status", flat=True)) == {"pending"}
    assert llm_queue() == -(-created // 2)  # one task per batch of two
    assert explanations_precompute(users=3, items=2) == 6
    assert Explanation.objects.count() == created  # asking again creates nothing new


@pytest.mark.django_db
def test_one_call_writes_a_batch_and_skips_what_is_ready(world):
    user, films = world["newcomer"], world["films"]
    ids = [explanation_request(user=user, item=films[title]).explanation_id for title in ("Aliens", "Predator", "Ran")]

    assert explanations_generate(explanation_ids=ids[:2], batch_size=2) == 2
    assert explanations_generate(explanation_ids=ids, batch_size=2) == 1  # only the one still pending
    assert explanations_generate(explanation_ids=ids, batch_size=2) == 0

    assert set(Explanation.objects.values_list("status", flat=True)) == {"ready"}
    assert explanation_request(user=user, item=films["Ran"]).status == "ready"


@pytest.mark.django_db
def test_with_the_generator_server_down_the_reason_stays_pending_and_the_api_says_202(world, settings, client):
    settings.RECSITE_GENERATOR_BACKEND = "openai"
    settings.RECSITE_GENERATOR_URL, settings.RECSITE_GENERATOR_MODEL = "http://127.0.0.1:9", "smollm2"
    user, aliens = world["newcomer"], world["films"]["Aliens"]
    asked = explanation_request(user=user, item=aliens, enqueue=lambda explanation_id: None)

    with pytest.raises(GeneratorUnavailable):
        explanations_generate(explanation_ids=[asked.explanation_id])

    assert Explanation.objects.get().status == "pending"
    assert Explanation.objects.get().model_name == "openai/smollm2"
    client.force_login(user)
    assert client.get(f"/api/v1/explanations/?item={aliens.pk}").status_code == 202

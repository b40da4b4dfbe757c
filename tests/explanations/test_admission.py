"""Who may have new reasons written: a quota per user or address, a global cap, priorities, and a broker
outage that never fails a request (the stale-reason sweep enqueues what waited)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from explanations.admission import explanations_requeue_stale
from explanations.models import Explanation
from explanations.services import explanation_request, explanations_precompute
from recommendations.services.training import model_train
from tests.api import jwt_client
from tests.factories import ExplanationFactory
from tests.processes import child_env, manage

ASK = "/api/v1/explanations/"


@pytest.fixture
def trained(taste_world, clean_cache):
    model_train()
    return taste_world


@pytest.mark.django_db
def test_a_user_gets_at_most_the_quota_of_new_reasons_a_minute(trained, settings):
    settings.RECSITE_REASON_QUOTA = 3
    client = jwt_client(trained["newcomer"])
    films = list(trained["films"].values())[1:]  # the newcomer rated Alien

    answers = [client.get(ASK, {"item": film.pk}) for film in films[:4]]

    assert [answer.status_code for answer in answers] == [202, 202, 202, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert Explanation.objects.count() == 3
    assert client.get(ASK, {"item": films[0].pk}).status_code == 202  # asked before: no new reason, served


@pytest.mark.django_db
def test_an_address_gets_its_quota_whoever_asks_from_it(trained, settings):
    settings.RECSITE_REASON_QUOTA = 2
    films = list(trained["films"].values())
    visitor = Client(REMOTE_ADDR="203.0.113.7")

    statuses = [visitor.get(ASK, {"item": film.pk}).status_code for film in films[:3]]

    assert statuses == [202, 202, 429]
    assert Client(REMOTE_ADDR="203.0.113.8").get(ASK, {"item": films[3].pk}).status_code == 202


@pytest.mark.django_db
def test_with_too_many_reasons_waiting_new_ones_answer_503(trained, settings):
    settings.RECSITE_REASON_PENDING_CAP = 2
    ExplanationFactory(status="pending", text="", source=""), ExplanationFactory(status="pending", text="", source="")

    answer = jwt_client(trained["newcomer"]).get(ASK, {"item": trained["films"]["Heat"].pk})

    assert answer.status_code == 503
    assert answer["Retry-After"] == "30"
    assert Explanation.objects.count() == 2


@pytest.mark.django_db
def test_reasons_someone_looks_at_go_before_those_written_ahead(trained, llm_queue, django_capture_on_commit_callbacks):
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    with django_capture_on_commit_callbacks(execute=True):
        explanations_precompute(users=3, items=1)
    with django_capture_on_commit_callbacks(execute=True):
        explanation_request(user=trained["newcomer"], item=trained["films"]["Ran"], requester="user:1")

    assert broker.llen("llm") == 1  # priority 0: taken first
    assert broker.llen("llm\x06\x169") >= 1  # the write-ahead, last


@pytest.mark.django_db
def test_the_page_asks_for_its_reasons_in_one_request(trained):
    client = jwt_client(trained["newcomer"])
    heat, ran = trained["films"]["Heat"], trained["films"]["Ran"]

    answer = client.get(f"{ASK}page/", {"item": [heat.pk, ran.pk]})

    assert answer.status_code == 200
    assert [reason["item"] for reason in answer.json()["reasons"]] == [heat.pk, ran.pk]
    assert {reason["status"] for reason in answer.json()["reasons"]} == {"pending"}
    assert answer["Retry-After"] == "2"
    assert client.get(f"{ASK}page/", {"item": [heat.pk] * 25}).status_code == 400  # at most 24


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_reason_is_kept_pending_and_the_sweep_enqueues_it(trained, llm_queue):
    heat = trained["films"]["Heat"]
    code = (
        "import time; from django.contrib.auth import get_user_model; from catalog.models import Item; "
        "from explanations.services import explanation_request; started = time.monotonic(); "
        "user = get_user_model().objects.get(username='newcomer'); "
        f"result = explanation_request(user=user, item=Item.objects.get(pk={heat.pk})); "
        "print(result.status, round(time.monotonic() - started, 1))"
    )

    asked = manage("shell", "--no-imports", "-c", code, env=child_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0"))

    assert asked.returncode == 0, asked.stderr
    status, seconds = asked.stdout.split()
    assert status == "pending"
    assert float(seconds) < 5
    assert "the stale-reason sweep will" in asked.stderr  # logged, not raised
    assert explanations_requeue_stale() == 0  # not stale yet
    Explanation.objects.update(updated=timezone.now() - timedelta(minutes=10))
    assert explanations_requeue_stale() == 1
    assert llm_queue() == 1
    assert explanations_requeue_stale() == 0  # not again before the threshold

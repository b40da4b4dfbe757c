"""The generator's tuning through the service and the command, with the tiny random model (trained for real,
in seconds), the real database and cache: the training set, the adapter's versions, promotion, rollback,
the trial split and the feedback per adapter."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from explanations import generation
from explanations.checks import generator_check
from explanations.models import Explanation, GeneratorAdapter, TuningSet
from explanations.selectors import adapter_feedback
from explanations.services import explanation_request
from explanations.tuning import (
    adapter_activate,
    adapter_retire,
    adapter_trial,
    adapter_tune,
    adapter_tune_if_due,
    tuning_set_build,
)
from feedback.models import FeedbackEvent
from language.prompts import PROMPT_VERSION
from recommendations.services.training import model_train
from tests.factories import ExplanationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _adapters_read_afresh(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    generation.serving_adapters_forget()
    yield
    generation.serving_adapters_forget()


def accepted(item, text: str, **fields) -> Explanation:
    return ExplanationFactory(item=item, text=text, prompt_version=PROMPT_VERSION, **fields)


def vote(explanation: Explanation, kind: str, times: int = 1) -> None:
    for _ in range(times):
        FeedbackEvent.objects.create(user=UserFactory(), item=explanation.item, kind=kind, explanation=explanation)


def adapter(version: str, **fields) -> GeneratorAdapter:
    return GeneratorAdapter.objects.create(
        version=version,
        base_model="inprocess/tiny",
        prompt_version=PROMPT_VERSION,
        path=f"/nowhere/{version}",
        **fields,
    )


def test_the_training_set_takes_accepted_reasons_weighted_by_helpful_votes_never_unhelpful_or_faulted(taste_world):
    films = taste_world["films"]
    helped = accepted(films["Heat"], "Heat is a drama you will like.")
    plain = accepted(films["Ran"], "Ran is a drama worth a look.")
    disliked = accepted(films["Brazil"], "Brazil is a drama.")
    accepted(films["Alien"], "Because you liked Aliens: a Sci-Fi film.", source="template")
    accepted(films["Aliens"], "Aliens is a 2013 film you will like.")  # a year the audit faults: not taught
    ExplanationFactory(item=films["Predator"], prompt_version="older-1")  # another prompt's reason
    vote(helped, "reason_helpful", times=2)
    vote(disliked, "reason_unhelpful")
    vote(disliked, "reason_helpful")

    first = tuning_set_build()
    second = tuning_set_build(max_examples=1)

    rows = {row.explanation_id: row for row in first.rows.all()}
    assert set(rows) == {helped.pk, plain.pk}
    assert (rows[helped.pk].weight, rows[plain.pk].weight) == (3.0, 1.0)
    assert rows[helped.pk].target == "Heat is a drama you will like."
    assert rows[helped.pk].prompt.endswith("Movie: Heat\nYear: 1995\nGenres: Drama\nLiked: nothing yet\nReason:")
    assert (first.version, first.examples, first.last_explanation_id) == (1, 2, max(helped.pk, plain.pk))
    assert (second.version, list(second.rows.values_list("explanation_id", flat=True))) == (2, [helped.pk])


def test_tune_reasons_trains_a_tiny_adapter_and_keeps_it_a_candidate_when_not_better(taste_world, tiny_generator):
    model_train()
    films = taste_world["films"]
    for title in ("Heat", "Ran"):  # the training items; the held-out ones are the others
        accepted(films[title], f"{title} is a drama you will like.")
    out = StringIO()

    call_command("tune_reasons", "--json", "--epochs", "1", "--held-out", "3", "--no-pipeline", stdout=out)

    result = json.loads(out.getvalue())
    assert set(result) >= {"examples", "seconds", "base", "candidate", "promoted", "adapter"}
    assert result["examples"] == 2
    assert set(result["base"]) >= {"acceptance", "informative", "unsupported"}
    # The tiny model writes only words the guard refuses, with or without its adapter: not better.
    assert (result["base"]["acceptance"], result["candidate"]["acceptance"], result["promoted"]) == (0.0, 0.0, False)
    saved = GeneratorAdapter.objects.get(version=result["adapter"])
    assert saved.status == GeneratorAdapter.Status.CANDIDATE
    assert (Path(saved.path) / "adapter_config.json").is_file()
    assert saved.tuning_set.rows.count() == 2
    assert len(saved.metrics["held_out_items"]) == 3
    assert not set(saved.metrics["held_out_items"]) & {films["Heat"].pk, films["Ran"].pk}  # never trained on
    assert generation.serving_adapters() == (None, None)


def test_tuning_without_accepted_reasons_says_how_to_get_some(taste_world, tiny_generator):
    model_train()

    with pytest.raises(Exception, match="--bootstrap"):
        call_command("tune_reasons", "--held-out", "2", "--no-pipeline")
    assert not GeneratorAdapter.objects.exists()


def test_bootstrap_writes_reasons_to_learn_from_first(taste_world, tiny_generator, clean_cache):
    model_train()

    with pytest.raises(Exception, match="no accepted reasons"):  # the tiny model's are all refused
        adapter_tune(bootstrap=3, held_out=2, pipeline=False)

    assert Explanation.objects.filter(status="ready").count() == 3
    assert TuningSet.objects.get().examples == 0


def test_the_scheduled_run_waits_for_enough_new_accepted_reasons(taste_world, settings):
    settings.RECSITE_TUNE_MIN_NEW_EXAMPLES = 3
    accepted(taste_world["films"]["Heat"], "Heat is a drama you will like.")

    assert adapter_tune_if_due() is None
    assert not TuningSet.objects.exists()


def test_an_active_adapter_keys_and_records_every_new_reason(taste_world, clean_cache, settings):
    model_train()
    newcomer, aliens = taste_world["newcomer"], taste_world["films"]["Aliens"]
    before = explanation_request(user=newcomer, item=aliens, enqueue=lambda explanation_id: None)
    tuned = adapter_activate(adapter=adapter("tuned-1"))
    generation.serving_adapters_forget()

    after = explanation_request(user=newcomer, item=aliens, enqueue=lambda explanation_id: None)

    assert after.explanation_id != before.explanation_id  # a new key: old text is never served as the adapter's
    written = Explanation.objects.get(pk=after.explanation_id)
    assert written.adapter == tuned
    assert written.model_name.endswith("+tuned-1")
    assert Explanation.objects.get(pk=before.explanation_id).adapter is None


def test_activating_an_earlier_adapter_rolls_back_and_the_model_alone_can_serve_again():
    first, second = adapter("tuned-1"), adapter("tuned-2")
    adapter_activate(adapter=first)
    adapter_activate(adapter=second)
    adapter_activate(adapter=first)  # the rollback

    statuses = dict(GeneratorAdapter.objects.values_list("version", "status"))
    assert statuses == {"tuned-1": "active", "tuned-2": "retired"}
    generation.serving_adapters_forget()
    assert generation.serving_adapters()[0].version == "tuned-1"

    adapter_retire(adapter=first)
    generation.serving_adapters_forget()
    assert generation.serving_adapters() == (None, None)


def test_the_trial_serves_its_share_of_users_the_same_ones_each_time(settings):
    adapter_activate(adapter=adapter("tuned-1"))
    adapter_trial(adapter=adapter("tuned-2"))
    settings.RECSITE_ADAPTER_SPLIT = 0.25
    generation.serving_adapters_forget()

    chosen = [generation.adapter_for_user(user_id).version for user_id in range(2000)]

    assert 400 < chosen.count("tuned-2") < 600
    assert chosen == [generation.adapter_for_user(user_id).version for user_id in range(2000)]
    assert generation.adapter_for_user(None).version == "tuned-1"  # visitors and writing ahead: the active one
    settings.RECSITE_ADAPTER_SPLIT = 0
    assert {generation.adapter_for_user(user_id).version for user_id in range(200)} == {"tuned-1"}


def test_helpful_rates_are_reported_per_adapter_and_prompt_version(client, admin_user):
    tuned = adapter("tuned-1", status="active")
    with_adapter, without = ExplanationFactory(adapter=tuned), ExplanationFactory()
    vote(with_adapter, "reason_helpful", times=3)
    vote(with_adapter, "reason_unhelpful")
    vote(without, "reason_unhelpful", times=2)

    rows = {row["adapter"]: row for row in adapter_feedback()}
    client.force_login(admin_user)
    page = client.get(reverse("admin:explanations_generatoradapter_changelist"))

    assert (rows["tuned-1"]["helpful"], rows["tuned-1"]["unhelpful"], rows["tuned-1"]["helpful_rate"]) == (3, 1, 0.75)
    assert (rows[None]["helpful"], rows[None]["helpful_rate"]) == (0, 0.0)
    assert rows["tuned-1"]["prompt_version"] == "test-1"
    assert page.status_code == 200
    listed = page.context["cl"].result_list.get()
    assert (listed.helpful, listed.unhelpful) == (3, 1)
    assert "75%" in page.content.decode()


def test_the_admin_rolls_back_to_an_earlier_adapter(client, admin_user):
    earlier = adapter("tuned-1", status="retired")
    adapter("tuned-2", status="active")
    client.force_login(admin_user)

    client.post(
        reverse("admin:explanations_generatoradapter_changelist"),
        {"action": "activate", "_selected_action": [earlier.pk]},
    )

    assert dict(GeneratorAdapter.objects.values_list("version", "status")) == {
        "tuned-1": "active",
        "tuned-2": "retired",
    }


def test_a_trial_share_outside_0_to_1_is_a_configuration_error(settings):
    settings.RECSITE_ADAPTER_SPLIT = 1.5

    assert [error.id for error in generator_check(None)] == ["explanations.E002"]
    settings.RECSITE_ADAPTER_SPLIT = 0.5
    assert generator_check(None) == []


def test_the_report_gives_the_helpful_rate_per_adapter():
    vote(ExplanationFactory(adapter=adapter("tuned-1")), "reason_helpful")
    out = StringIO()

    call_command("tune_reasons", "--report", stdout=out)

    assert json.loads(out.getvalue()) == [
        {
            "adapter": "tuned-1",
            "prompt_version": "test-1",
            "reasons": 1,
            "helpful": 1,
            "unhelpful": 0,
            "helpful_rate": 1.0,
        }
    ]

"""Writes for the generator's tuning: the training set from the reasons the guard accepted (weighted up by
helpful votes, without any voted unhelpful), reasons written for a fresh install to learn from, a LoRA
adapter tuned on the set and measured against the model without it on held-out fact sets, promoted only
when it is better; and the adapters' lifecycle (trial, activation, rollback). docs/TUNING.md."""

import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from catalog.domain import catalogue_domain
from catalog.models import Item
from explanations.generation import (
    generator_name,
    packaged_gguf,
    reason_facts,
    reason_guard,
    serving_adapters,
    serving_adapters_forget,
)
from explanations.models import Explanation, GeneratorAdapter, TuningExample, TuningSet
from explanations.services import explanation_request, explanations_generate
from feedback.models import FeedbackEvent
from language.audit import title_patterns, unsupported_claims
from language.generator import TransformersGenerator
from language.prompts import PROMPT_VERSION, ReasonFacts, completion_prompt
from language.tuning import Example, LoraSettings, Measure, better, lora_train, measure
from recommendations.selectors import evidence_item_ids, recommendations_for_user

TUNE_LOCK = "adapter-tune-running"
HELD_OUT = 100  # fact sets the measure holds out by default


class TuningError(Exception):
    pass


@dataclass
class TuneResult:
    examples: int
    seconds: float  # assembling the set, tuning and measuring (the bootstrap apart)
    base: dict
    candidate: dict
    promoted: bool
    adapter: str
    bootstrap: int = 0
    bootstrap_seconds: float = 0.0
    current: dict | None = None  # the adapter active before, when there was one
    train: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        answer = {
            "examples": self.examples,
            "seconds": round(self.seconds, 1),
            "base": self.base,
            "candidate": self.candidate,
            "promoted": self.promoted,
            "adapter": self.adapter,
            "bootstrap": {"pairs": self.bootstrap, "seconds": round(self.bootstrap_seconds, 1)},
            "train": self.train,
            "acceptance_is": (
                "share of held-out fact sets whose first single greedy candidate (plain prompt, no opening, "
                "no steering) the guard accepts; pipeline_acceptance: served from the steered writer's first round"
            ),
        }
        if self.current is not None:
            answer["current"] = self.current
        return answer


def reasons_bootstrap(*, pairs: int, seed: int = 0) -> int:
    """Write reasons for `pairs` (user, item) pairs through the service, so that a fresh install has
    accepted reasons to learn from (items_first_unseen: one distinct item per sampled user). Returns how
    many were written."""
    waiting: list[int] = []
    written = 0
    for user, item in items_first_unseen(seed=seed):
        if written + len(waiting) >= pairs:
            break
        explanation_request(user=user, item=item, enqueue=waiting.append)
        if len(waiting) >= settings.RECSITE_REASON_BATCH_SIZE:
            written += explanations_generate(explanation_ids=waiting)
            waiting = []
    if waiting:
        written += explanations_generate(explanation_ids=waiting)
    return written


def items_first_unseen(*, seed: int, exclude_item_ids: set[int] = frozenset(), depth: int = 10):
    """(user, item) pairs: a seeded sample of the users who rated something, each with the first of their
    top `depth` recommendations whose item is neither excluded nor paired already."""
    rng = random.Random(seed)
    users = list(get_user_model().objects.filter(ratings__isnull=False).distinct().order_by("pk"))
    rng.shuffle(users)
    taken = set(exclude_item_ids)
    for user in users:
        for recommendation in recommendations_for_user(user=user, n=depth):
            if recommendation.item.pk not in taken:
                taken.add(recommendation.item.pk)
                yield user, recommendation.item
                break


def tuning_set_build(*, max_examples: int | None = None) -> TuningSet:
    """A new version of the training set: each generated reason of the current prompt version that the
    guard accepted, no reader found unhelpful and the claim audit does not fault (the model is not taught
    what the audit would refuse), as the target of the plain prompt for its facts, weighing 1 + its helpful
    votes (distinct users). The most helpful, then the newest, first."""
    eligible = _eligible().annotate(
        helpful=Count(
            "feedback__user", filter=Q(feedback__kind=FeedbackEvent.Kind.REASON_HELPFUL), distinct=True
        )
    ).order_by("-helpful", "-pk")  # fmt: skip
    domain = catalogue_domain()
    patterns = title_patterns(list(Item.objects.values_list("title", flat=True)), domain=domain)
    rows = []
    for row in eligible.select_related("item").prefetch_related("item__categories"):
        if max_examples and len(rows) == max_examples:
            break
        row.facts = reason_facts(item=row.item, evidence_item_ids=row.evidence_item_ids, intent=row.intent)
        if not unsupported_claims(row.text, row.facts, patterns, domain=domain):
            rows.append(row)
    with transaction.atomic():
        version = (TuningSet.objects.aggregate(last=Max("version"))["last"] or 0) + 1
        tuning_set = TuningSet.objects.create(
            version=version,
            prompt_version=PROMPT_VERSION,
            examples=len(rows),
            last_explanation_id=max((row.pk for row in rows), default=0),
        )
        TuningExample.objects.bulk_create(
            TuningExample(
                tuning_set=tuning_set,
                explanation=row,
                item=row.item,
                prompt=completion_prompt(row.facts, domain=domain),
                target=row.text,
                weight=1.0 + row.helpful,
            )
            for row in rows
        )
    return tuning_set


def held_out_facts(*, n: int, exclude_item_ids: set[int], seed: int = 1) -> list[tuple[int, ReasonFacts]]:
    """`n` fact sets for items never trained on (items_first_unseen, from each user's top 50: the top 10
    of most users are the popular items trained on), with the user's evidence for each: (item id, facts)."""
    facts: list[tuple[int, ReasonFacts]] = []
    for user, item in items_first_unseen(seed=seed, exclude_item_ids=exclude_item_ids, depth=50):
        if len(facts) == n:
            break
        evidence = evidence_item_ids(user=user, item=item)
        facts.append((item.pk, reason_facts(item=item, evidence_item_ids=evidence, intent="")))
    return facts


def adapter_tune(
    *,
    bootstrap: int = 0,
    max_examples: int | None = None,
    epochs: int = 1,
    held_out: int = HELD_OUT,
    pipeline: bool = True,
    progress: bool = False,
    lora: LoraSettings | None = None,
) -> TuneResult:
    """Tune a LoRA adapter on a new training set and promote it (make it active) only if, on `held_out`
    fact sets for items it never trained on, the model with it is accepted first time more often than
    without it (and than the active adapter, if any) and the claim audit finds nothing. One run at a time
    (TuningError when another is running)."""
    if not cache.add(TUNE_LOCK, 1, timeout=4 * 3600):
        raise TuningError("another tuning run is in progress")
    try:
        return _tune(
            bootstrap=bootstrap,
            max_examples=max_examples,
            held_out=held_out,
            pipeline=pipeline,
            progress=progress,
            lora=lora or LoraSettings(epochs=epochs),
        )
    finally:
        cache.delete(TUNE_LOCK)


def _tune(*, bootstrap, max_examples, held_out, pipeline, progress, lora) -> TuneResult:
    started = time.perf_counter()
    written = reasons_bootstrap(pairs=bootstrap) if bootstrap else 0
    bootstrap_seconds = time.perf_counter() - started
    started = time.perf_counter()
    tuning_set = tuning_set_build(max_examples=max_examples)
    rows = list(tuning_set.rows.values_list("prompt", "target", "weight", "item_id"))
    if not rows:
        raise TuningError("no accepted reasons to learn from yet (try --bootstrap N)")
    held = held_out_facts(n=held_out, exclude_item_ids={item_id for *_, item_id in rows})
    facts = [fact for _, fact in held]
    if not facts:
        raise TuningError("no held-out fact sets: every recommended item is in the training set")
    guard, titles = reason_guard(), list(Item.objects.values_list("title", flat=True))
    path = Path(settings.RECSITE_GENERATOR_PATH or packaged_gguf(settings.VAR_DIR / "models"))
    model = TransformersGenerator(path)
    base = measure(model.generate, facts, guard=guard, titles=titles, pipeline=pipeline)
    active = serving_adapters()[0]
    current = None
    if active is not None:
        current = measure(
            TransformersGenerator(path, adapter=Path(active.path)).generate,
            facts,
            guard=guard,
            titles=titles,
            pipeline=pipeline,
        )
    version = f"tuned-{timezone.now():%Y%m%d-%H%M%S}"
    folder = settings.VAR_DIR / "adapters" / version
    examples = [Example(prompt, target, weight) for prompt, target, weight, _ in rows]
    tuned, report = lora_train(model.model, model.tokenizer, examples, out=folder, lora=lora, progress=progress)
    model.model = tuned.merge_and_unload()  # measured as it will serve: merged, no cost per token
    candidate = measure(model.generate, facts, guard=guard, titles=titles, pipeline=pipeline)
    promoted = better(candidate, base) and (current is None or better(candidate, current))
    train = {"steps": report.steps, "seconds": round(report.seconds, 1), "first_loss": round(report.first_loss, 3),
             "last_loss": round(report.last_loss, 3), "epochs": lora.epochs, "rank": lora.rank}  # fmt: skip
    metrics = {"base": _figures(base), "candidate": _figures(candidate), "train": train}
    metrics["held_out_items"] = [item_id for item_id, _ in held]
    if current is not None:
        metrics["current"] = _figures(current)
    adapter = GeneratorAdapter.objects.create(
        version=version,
        base_model=generator_name(),
        prompt_version=PROMPT_VERSION,
        path=str(folder),
        tuning_set=tuning_set,
        examples=len(examples),
        metrics=metrics,
        promoted=promoted,
    )
    if promoted:
        adapter_activate(adapter=adapter)
    return TuneResult(
        examples=len(examples),
        seconds=time.perf_counter() - started,
        base=metrics["base"],
        candidate=metrics["candidate"],
        current=metrics.get("current"),
        promoted=promoted,
        adapter=version,
        bootstrap=written,
        bootstrap_seconds=bootstrap_seconds,
        train=train,
    )


def adapter_tune_if_due() -> TuneResult | None:
    """The scheduled run: tune once RECSITE_TUNE_MIN_NEW_EXAMPLES accepted reasons have arrived since the
    last training set; None when too few have, or another run is in progress."""
    since = TuningSet.objects.aggregate(last=Max("last_explanation_id"))["last"] or 0
    if _eligible().filter(pk__gt=since).count() < settings.RECSITE_TUNE_MIN_NEW_EXAMPLES:
        return None
    try:
        return adapter_tune()
    except TuningError:
        return None


def adapter_activate(*, adapter: GeneratorAdapter) -> GeneratorAdapter:
    """Serve `adapter` to everyone (a promotion, or a rollback to an earlier one); the one active before
    is retired. Reasons are keyed by the adapter, so none written by another is served as its own."""
    with transaction.atomic():
        GeneratorAdapter.objects.filter(status__in=[GeneratorAdapter.Status.ACTIVE]).exclude(pk=adapter.pk).update(
            status=GeneratorAdapter.Status.RETIRED
        )
        adapter.status = GeneratorAdapter.Status.ACTIVE
        adapter.activated = timezone.now()
        adapter.save(update_fields=["status", "activated"])
    transaction.on_commit(serving_adapters_forget)
    return adapter


def adapter_trial(*, adapter: GeneratorAdapter) -> GeneratorAdapter:
    """Put `adapter` on trial: RECSITE_ADAPTER_SPLIT of the users are served its reasons (the one on
    trial before goes back to being a candidate)."""
    with transaction.atomic():
        GeneratorAdapter.objects.filter(status=GeneratorAdapter.Status.TRIAL).exclude(pk=adapter.pk).update(
            status=GeneratorAdapter.Status.CANDIDATE
        )
        adapter.status = GeneratorAdapter.Status.TRIAL
        adapter.save(update_fields=["status"])
    transaction.on_commit(serving_adapters_forget)
    return adapter


def adapter_retire(*, adapter: GeneratorAdapter) -> GeneratorAdapter:
    """Stop serving `adapter` (retiring the active one serves the model alone; retiring the one on trial
    ends the trial)."""
    adapter.status = GeneratorAdapter.Status.RETIRED
    adapter.save(update_fields=["status"])
    transaction.on_commit(serving_adapters_forget)
    return adapter


def _eligible():
    return Explanation.objects.filter(
        status=Explanation.Status.READY, source=Explanation.Source.GENERATED, prompt_version=PROMPT_VERSION
    ).exclude(feedback__kind=FeedbackEvent.Kind.REASON_UNHELPFUL)


def _figures(result: Measure) -> dict:
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in result.as_dict().items()}

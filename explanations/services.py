"""Writes: reasons asked for (pending, one task per key), written in batches by the generator behind the
guard, replaced by the template after "unhelpful", and written ahead after training."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from catalog.domain import catalogue_domain
from catalog.models import Item
from explanations.admission import PRIORITY_AHEAD, ReasonsRefused, reasons_admit, reasons_enqueue
from explanations.generation import AdapterRef, adapter_for_user, generator, generator_name, reason_facts, reason_guard
from explanations.models import Explanation
from explanations.selectors import explanation_cache_key, explanation_key
from feedback.models import FeedbackEvent, Rating
from feedback.services import reasons_shown_record
from language.prompts import PROMPT_VERSION, template_reason
from language.reasons import write_reasons
from recommendations.intents import conversation_intent, request_summary
from recommendations.selectors import RecommendationList, evidence_item_ids, intent_parse, recommendations_for_user

# After training, reasons are written ahead for the top few items of the most recently active users.
PRECOMPUTE_USERS, PRECOMPUTE_ITEMS = 20, 3
# How long a ready reason stays in the cache (the database keeps it for good).
EXPLANATION_TTL = 7 * 24 * 3600


@dataclass(frozen=True)
class ExplanationResult:
    status: str  # "ready" or "pending"
    text: str = ""
    source: str = ""  # "generated" or "template"
    verdict: str = ""
    explanation_id: int | None = None


def explanation_request(
    *,
    user,
    item: Item,
    intent: str | None = None,
    conversation: str | None = None,
    enqueue: Callable[[int], None] | None = None,
    requester: str | None = None,
) -> ExplanationResult:
    """Ask for the reason for recommending `item` to `user`: ready text from the cache or the database,
    or a pending reason created with exactly one generation task enqueued for its key, however many
    requests race. The reason endpoint calls this on GET: asking is what makes the reason exist.

    The request is `intent` (words), or the user's `conversation` as it stands (ConversationError when
    unknown). A new reason is admitted for `requester` (explanations.admission: ReasonsRefused when its
    quota is spent or too many wait). `enqueue` takes the id of a newly created pending reason instead of
    the default (one task, on commit, at the first priority).
    """
    evidence = evidence_item_ids(user=user, item=item)
    if conversation:
        parsed = conversation_intent(user=user, conversation_id=conversation)
    else:
        parsed = intent_parse(intent) if intent else None
    summary = request_summary(parsed, item)
    adapter = adapter_for_user(user.pk if user is not None and user.is_authenticated else None)
    key = explanation_key(item.pk, evidence, summary, adapter=adapter.version if adapter else None)
    cached = cache.get(explanation_cache_key(key))
    if cached:
        return _shown(user, ExplanationResult(status=Explanation.Status.READY, **cached), item, evidence, summary)
    explanation = Explanation.objects.filter(key=key).first()
    if explanation is None:
        reasons_admit(requester=requester, wanted=1)
    explanation, created = (
        (explanation, False)
        if explanation
        else Explanation.objects.get_or_create(
            key=key,
            defaults={
                "item": item,
                "evidence_item_ids": evidence,
                "intent": summary,
                "model_name": generator_name(adapter.version if adapter else None),
                "prompt_version": PROMPT_VERSION,
                "adapter_id": adapter.pk if adapter else None,
            },
        )
    )
    if explanation.status == Explanation.Status.READY:
        _explanation_cache(explanation)
        return _shown(user, _result(explanation), item, evidence, summary)
    if created:
        (enqueue or _explanations_enqueue_one)(explanation.pk)
    return ExplanationResult(status=Explanation.Status.PENDING, explanation_id=explanation.pk)


def explanations_request_page(*, recommendations: RecommendationList, requester: str | None = None, user=None) -> int:
    """Ask, in one go, for the reasons a page of recommendations will show `user`, so that one generation task
    writes them together (in batches of RECSITE_REASON_BATCH_SIZE) instead of one task per item. Reasons
    ready in the cache are skipped; a key already asked for is never enqueued twice (a flag per key in the
    cache, however many pages race). Returns how many were enqueued. At most three queries.

    With tasks in process (no broker) it asks for nothing: the page would wait on the generator, so each
    reason is written when the page's script asks for it."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    summaries = {r.item.pk: request_summary(recommendations.intent, r.item) for r in recommendations}
    adapter = adapter_for_user(user.pk if user is not None and user.is_authenticated else None)
    wanted = {
        explanation_key(
            r.item.pk,
            [e.item_id for e in r.evidence],
            summaries[r.item.pk],
            adapter=adapter.version if adapter else None,
        ): r
        for r in recommendations
    }
    ready = cache.get_many([explanation_cache_key(key) for key in wanted]) if wanted else {}
    open_keys = [key for key in wanted if explanation_cache_key(key) not in ready]
    existing = set(Explanation.objects.filter(key__in=open_keys).values_list("key", flat=True)) if open_keys else set()
    missing = [key for key in open_keys if key not in existing]
    try:
        missing = missing[: reasons_admit(requester=requester, wanted=len(missing))]
    except ReasonsRefused:
        return 0  # the page's script asks for each reason, and is told to wait
    if not missing:
        return 0
    Explanation.objects.bulk_create(
        [
            Explanation(
                key=key,
                item=wanted[key].item,
                evidence_item_ids=[e.item_id for e in wanted[key].evidence],
                intent=summaries[wanted[key].item.pk],
                model_name=generator_name(adapter.version if adapter else None),
                prompt_version=PROMPT_VERSION,
                adapter_id=adapter.pk if adapter else None,
            )
            for key in missing
        ],
        ignore_conflicts=True,
    )
    ids = dict(Explanation.objects.filter(key__in=missing).values_list("key", "pk"))
    mine = [ids[key] for key in missing if key in ids and cache.add(f"explanation-asked:{key}", 1, timeout=600)]
    batch = settings.RECSITE_REASON_BATCH_SIZE
    for start in range(0, len(mine), batch):
        reasons_enqueue(mine[start : start + batch])
    return len(mine)


def explanations_generate(*, explanation_ids: list[int], batch_size: int | None = None) -> int:
    """Write the pending reasons among `explanation_ids`, `batch_size` items at a time: the best candidate
    that passes the guard, one stricter retry, else the template. Returns how many were written.

    Idempotent: reasons already ready (or gone) are left as they are, also when two workers race.
    """
    pending = list(
        Explanation.objects.filter(pk__in=explanation_ids, status=Explanation.Status.PENDING)
        .select_related("item", "adapter")
        .prefetch_related("item__categories")
        .order_by("pk")
    )
    if not pending:
        return 0
    guard, domain = reason_guard(), catalogue_domain()
    by_adapter: dict[int | None, list[Explanation]] = {}
    for row in pending:  # each is written by the adapter its key names (none: the model alone)
        by_adapter.setdefault(row.adapter_id, []).append(row)
    written = 0
    for rows in by_adapter.values():
        written += _explanations_write(rows, guard=guard, domain=domain, batch_size=batch_size)
    for explanation in Explanation.objects.filter(pk__in=[row.pk for row in pending]):
        _explanation_cache(explanation)
    return written


def _explanations_write(pending: list[Explanation], *, guard, domain, batch_size: int | None) -> int:
    adapter = pending[0].adapter
    ref = AdapterRef(adapter.pk, adapter.version, adapter.path) if adapter else None
    facts = [reason_facts(item=row.item, evidence_item_ids=row.evidence_item_ids, intent=row.intent) for row in pending]
    outcomes = write_reasons(
        facts,
        generate=generator(ref).generate,
        guard=guard,
        domain=domain,
        batch_size=batch_size or settings.RECSITE_REASON_BATCH_SIZE,
    )
    written = 0
    for explanation, outcome in zip(pending, outcomes, strict=True):
        written += Explanation.objects.filter(pk=explanation.pk, status=Explanation.Status.PENDING).update(
            status=Explanation.Status.READY,
            text=outcome.text,
            source=outcome.source,
            verdict=outcome.verdict,
            first_attempt=outcome.first_attempt,
            updated=timezone.now(),
        )
    return written


def explanation_unhelpful(*, explanation: Explanation, user) -> None:
    """A user found the reason unhelpful: they get the template instead from now on, and once
    RECSITE_REASON_UNHELPFUL_VOTES distinct users did, the shared reason itself gives way to it."""
    cache.set(_hidden_key(user.pk, explanation.pk), 1, timeout=EXPLANATION_TTL)
    voters = (
        FeedbackEvent.objects.filter(explanation=explanation, kind=FeedbackEvent.Kind.REASON_UNHELPFUL)
        .values("user")
        .distinct()
        .count()
    )
    if voters >= settings.RECSITE_REASON_UNHELPFUL_VOTES:
        explanation_replace_with_template(explanation=explanation)


def explanation_replace_with_template(*, explanation: Explanation) -> Explanation:
    """After "reason unhelpful": a generated reason gives way to the template from the same facts (which
    says only what the facts say); the cache is updated on commit. A template reason stays as it is."""
    if explanation.source == Explanation.Source.GENERATED:
        facts = reason_facts(
            item=explanation.item, evidence_item_ids=explanation.evidence_item_ids, intent=explanation.intent
        )
        explanation.text = template_reason(facts, domain=catalogue_domain())
        explanation.source = Explanation.Source.TEMPLATE
        explanation.verdict = "; ".join(filter(None, [explanation.verdict, "replaced after unhelpful feedback"]))
        explanation.save(update_fields=["text", "source", "verdict", "updated"])
        transaction.on_commit(lambda: _explanation_cache(explanation), robust=True)
    return explanation


def explanations_precompute(*, users: int = PRECOMPUTE_USERS, items: int = PRECOMPUTE_ITEMS) -> int:
    """Ask for the reasons of the top `items` recommendations of the `users` most recently active users,
    so they are ready before anyone looks. Returns how many were asked for; each new key is written once,
    by generation tasks of a batch each."""
    recent = Rating.objects.values("user_id").annotate(last=Max("updated")).order_by("-last", "user_id")[:users]
    user_model = get_user_model()
    created: list[int] = []
    asked = 0
    try:
        for user in user_model.objects.filter(pk__in=[row["user_id"] for row in recent]):
            for recommendation in recommendations_for_user(user=user, n=items):
                explanation_request(user=user, item=recommendation.item, enqueue=created.append)
                asked += 1
    except ReasonsRefused:
        pass  # too many reasons wait already: what users look at comes first
    batch = settings.RECSITE_REASON_BATCH_SIZE
    for start in range(0, len(created), batch):
        reasons_enqueue(created[start : start + batch], priority=PRIORITY_AHEAD)
    return asked


def _explanations_enqueue_one(explanation_id: int) -> None:
    reasons_enqueue([explanation_id])


def _explanation_cache(explanation: Explanation) -> None:
    value = {"text": explanation.text, "source": explanation.source, "verdict": explanation.verdict}
    cache.set(
        explanation_cache_key(explanation.key), {**value, "explanation_id": explanation.pk}, timeout=EXPLANATION_TTL
    )


def _shown(user, result: ExplanationResult, item: Item, evidence: list[int], summary: str) -> ExplanationResult:
    """A ready reason as shown to `user`: they may vote on it now, and one they found unhelpful is the
    template for them (explanation_unhelpful)."""
    if user is None or not user.is_authenticated or result.explanation_id is None:
        return result
    reasons_shown_record(user=user, explanation_ids=[result.explanation_id])
    if result.source != Explanation.Source.GENERATED or not cache.get(_hidden_key(user.pk, result.explanation_id)):
        return result
    facts = reason_facts(item=item, evidence_item_ids=evidence, intent=summary)
    text = template_reason(facts, domain=catalogue_domain())
    return ExplanationResult(
        status=result.status, text=text, source=Explanation.Source.TEMPLATE, explanation_id=result.explanation_id
    )


def _hidden_key(user_id: int, explanation_id: int) -> str:
    return f"reason-hidden:{user_id}:{explanation_id}"


def _result(explanation: Explanation) -> ExplanationResult:
    return ExplanationResult(
        status=explanation.status,
        text=explanation.text,
        source=explanation.source,
        verdict=explanation.verdict,
        explanation_id=explanation.pk,
    )

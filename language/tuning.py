"""Tuning the reason generator on what the guard accepted: a LoRA adapter (peft) trained so that the model,
on its own, writes what the steered, guard-checked pipeline chose; and the measure that decides whether an
adapter is better than the model without it. No Django: the service and the benchmark share it.

Training (rejection-sampling fine-tuning): each example is the PLAIN prompt (`completion_prompt`: the
worked examples and the facts, no opening, no steering) and, as its target, a reason the guard accepted for
those facts, weighted (helpful votes weigh more). The loss is on the target's tokens only. Every prompt
starts with the same worked examples, so a batch runs them once and extends their keys and values to
every row (the gradient still flows through them): a third of the tokens a plain batch would run.

The measure, on held-out fact sets never trained on:
- `acceptance`: the share whose FIRST single greedy candidate, written from the plain prompt with no
  opening and no vocabulary steering, passes the guard (what the model writes on its own);
- `informative`: the share of those accepted that link the item to two kinds of fact;
- `unsupported`: how many of those accepted the independent claim audit (language.audit) faults (`faults`
  lists them, the pipeline's after the plain ones);
- with `pipeline`, the same for what the production writer (language.reasons: several steered candidates,
  the best accepted, a strict retry) serves: `pipeline_acceptance` (served from its first round),
  `pipeline_informative`, `pipeline_unsupported`.
"""

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from language.audit import title_patterns, unsupported_claims
from language.domain import Domain
from language.grounding import is_informative
from language.guard import ReasonGuard
from language.prompts import ReasonFacts, completion_prompt
from language.reasons import GENERATED, MAX_NEW_TOKENS, write_reasons

ADAPTER_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")  # the attention projections of Llama-like models
BLOCK_BREAK = "\n\n"  # between the prompt's worked examples, and before the item's block


@dataclass(frozen=True)
class Example:
    """One training example: the plain prompt, the accepted reason it should continue with, its weight."""

    prompt: str
    target: str
    weight: float = 1.0


@dataclass(frozen=True)
class LoraSettings:
    rank: int = 16
    alpha: int = 32
    learning_rate: float = 1e-3
    epochs: int = 1
    batch_size: int = 8
    targets: tuple[str, ...] = ADAPTER_TARGETS
    layers: int | None = None  # adapt only the top this many layers (the backward pass stops below them)
    seed: int = 0


@dataclass(frozen=True)
class TrainReport:
    examples: int
    steps: int
    seconds: float
    first_loss: float
    last_loss: float


def lora_train(
    model,
    tokenizer,
    examples: Sequence[Example],
    *,
    out: Path,
    lora: LoraSettings = LoraSettings(),
    progress: bool = False,
):
    """Train a LoRA adapter on `model` (a transformers causal LM, changed in place: it comes back wrapped
    as a peft model with the adapter on) and save the adapter's files to `out`. Returns the peft model and
    a TrainReport."""
    import torch
    from peft import LoraConfig, get_peft_model
    from tqdm import tqdm

    if not examples:
        raise ValueError("no examples to train on")
    torch.manual_seed(lora.seed)
    depth = model.config.num_hidden_layers
    top = list(range(depth - lora.layers, depth)) if lora.layers and lora.layers < depth else None
    config = LoraConfig(
        r=lora.rank, lora_alpha=lora.alpha, lora_dropout=0.0, target_modules=list(lora.targets),
        layers_to_transform=top, task_type="CAUSAL_LM",
    )  # fmt: skip
    peft_model = get_peft_model(model, config)
    peft_model.train()
    device = next(peft_model.parameters()).device
    order = list(range(len(examples)))
    batches_per_epoch = math.ceil(len(examples) / lora.batch_size)
    total = batches_per_epoch * lora.epochs
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=lora.learning_rate)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.05, 1 - step / total)
    )
    rng = random.Random(lora.seed)
    losses: list[float] = []
    started = time.perf_counter()
    bar = tqdm(total=total, desc="tuning", unit="step", disable=not progress, leave=False)
    for _ in range(lora.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), lora.batch_size):
            batch = [examples[index] for index in order[start : start + lora.batch_size]]
            loss = _batch_loss(peft_model, tokenizer, batch, device=device)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for p in peft_model.parameters() if p.requires_grad], 1.0)
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
    bar.close()
    peft_model.eval()
    out.mkdir(parents=True, exist_ok=True)
    peft_model.save_pretrained(out)
    head = losses[: max(1, batches_per_epoch // 4)]
    tail = losses[-max(1, batches_per_epoch // 4) :]
    report = TrainReport(
        examples=len(examples),
        steps=len(losses),
        seconds=time.perf_counter() - started,
        first_loss=sum(head) / len(head),
        last_loss=sum(tail) / len(tail),
    )
    return peft_model, report


def _batch_loss(model, tokenizer, batch: list[Example], *, device):
    """The weighted mean, over the batch, of each example's mean loss on its target tokens. The prompts'
    common worked examples run once (when they tokenize the same apart as within each prompt)."""
    import torch

    # The prompt ends "Reason:"; the target is the line after it, ended (the generator stops at the newline).
    targets = [
        tokenizer(" " + example.target.strip() + "\n", add_special_tokens=False)["input_ids"] for example in batch
    ]
    wholes = [tokenizer(example.prompt)["input_ids"] for example in batch]
    prefix = _shared_prefix([example.prompt for example in batch])
    prefix_ids = tokenizer(prefix)["input_ids"] if prefix else []
    prompts = [tokenizer(example.prompt[len(prefix) :], add_special_tokens=False)["input_ids"] for example in batch]
    if not prefix or any(prefix_ids + rest != whole for rest, whole in zip(prompts, wholes, strict=True)):
        prefix_ids, prompts = [], wholes
    length = max(len(prompt) + len(target) for prompt, target in zip(prompts, targets, strict=True))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(batch), length), pad, dtype=torch.long)
    labels = torch.full((len(batch), length), -100, dtype=torch.long)
    mask = torch.zeros((len(batch), length), dtype=torch.long)
    for row, (prompt, target) in enumerate(zip(prompts, targets, strict=True)):  # right padding
        ids[row, : len(prompt) + len(target)] = torch.tensor(prompt + target)
        labels[row, len(prompt) : len(prompt) + len(target)] = torch.tensor(target)
        mask[row, : len(prompt) + len(target)] = 1
    weights = torch.tensor([example.weight for example in batch], dtype=torch.float32, device=device)
    ids, labels, mask = ids.to(device), labels.to(device), mask.to(device)
    causal = model.get_base_model() if hasattr(model, "get_base_model") else model  # peft wraps the model
    if not prefix_ids:
        hidden = causal.model(input_ids=ids, attention_mask=mask).last_hidden_state
        return _weighted_loss(causal.lm_head, hidden, labels, weights)
    shared = causal.model(input_ids=torch.tensor([prefix_ids], device=device), use_cache=True).cache
    shared.batch_repeat_interleave(len(batch))  # the worked examples' keys and values, for every row
    positions = torch.arange(len(prefix_ids), len(prefix_ids) + length, device=device).expand(len(batch), -1)
    seen = torch.cat([torch.ones((len(batch), len(prefix_ids)), dtype=torch.long, device=device), mask], dim=1)
    hidden = causal.model(input_ids=ids, attention_mask=seen, cache=shared, position_ids=positions).last_hidden_state
    return _weighted_loss(causal.lm_head, hidden, labels, weights)


def _weighted_loss(head, hidden, labels, weights):
    """The weighted mean of each row's mean loss on its target tokens; the output layer runs on the
    positions that predict a target token only (a quarter of them: the rest is prompt)."""
    import torch

    targets = labels[:, 1:]
    counted = targets != -100
    logits = head(hidden[:, :-1][counted]).float()
    per_token = torch.nn.functional.cross_entropy(logits, targets[counted], reduction="none")
    rows = counted.nonzero()[:, 0]
    per_row = torch.zeros(len(weights), device=logits.device).index_add_(0, rows, per_token)
    per_row = per_row / counted.sum(dim=1).clamp(min=1)
    return (per_row * weights).sum() / weights.sum()


def _shared_prefix(prompts: list[str]) -> str:
    """The prompts' common beginning, up to (not including) the last block break it holds: whole worked
    examples, so that it tokenizes the same apart as within each prompt."""
    if not prompts:
        return ""
    shortest, longest = min(prompts), max(prompts)
    common = 0
    while common < len(shortest) and shortest[common] == longest[common]:
        common += 1
    cut = shortest[:common].rfind(BLOCK_BREAK)
    return shortest[:cut] if cut > 0 else ""


# --- the measure ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """How a generator does on held-out fact sets (the module's docstring defines each figure)."""

    fact_sets: int
    acceptance: float
    informative: float
    unsupported: int
    seconds: float
    pipeline_acceptance: float | None = None
    pipeline_informative: float | None = None
    pipeline_unsupported: int | None = None
    examples: tuple[tuple[str, bool], ...] = ()  # the first few (plain candidate, accepted)
    faults: tuple[tuple[str, tuple[str, ...]], ...] = ()  # accepted text the audit faults, and its claims

    def as_dict(self) -> dict:
        answer = {key: value for key, value in asdict(self).items() if key not in ("examples", "faults")}
        answer = {key: value for key, value in answer.items() if value is not None}
        return answer | {"faults": [{"text": text, "claims": list(claims)} for text, claims in self.faults]}


def plain_candidates(
    generate: Callable[..., list[str]], facts: Sequence[ReasonFacts], *, domain: Domain, batch_size: int = 16
) -> list[str]:
    """Each fact set's first single greedy candidate from the plain prompt: no opening, no steering."""
    texts: list[str] = []
    for start in range(0, len(facts), batch_size):
        prompts = [completion_prompt(fact, domain=domain) for fact in facts[start : start + batch_size]]
        texts += generate(prompts, max_new_tokens=MAX_NEW_TOKENS)
    return texts


def measure(
    generate: Callable[..., list[str]],
    facts: Sequence[ReasonFacts],
    *,
    guard: ReasonGuard,
    titles: Sequence[str],
    batch_size: int = 16,
    pipeline: bool = True,
) -> Measure:
    """The figures for `generate` (a TextGenerator's generate) on the held-out `facts`; `titles`: the
    catalogue's, for the audit."""
    if not facts:
        raise ValueError("no held-out fact sets to measure on")
    domain = guard.domain
    patterns = title_patterns(list(titles), domain=domain)
    started = time.perf_counter()
    texts = plain_candidates(generate, facts, domain=domain, batch_size=batch_size)
    accepted = [
        guard.check(text, fact, prompt=completion_prompt(fact, domain=domain)).ok
        for text, fact in zip(texts, facts, strict=True)
    ]
    kept = [(text, fact) for text, fact, ok in zip(texts, facts, accepted, strict=True) if ok]
    faults = [(text, tuple(claims)) for text, fact in kept if (claims := unsupported_claims(
        text, fact, patterns, domain=domain))]  # fmt: skip
    figures = {
        "fact_sets": len(facts),
        "acceptance": sum(accepted) / len(facts),
        "informative": _share(sum(is_informative(text, fact, domain=domain) for text, fact in kept), len(kept)),
        "unsupported": len(faults),
        "examples": tuple(zip(texts[:8], accepted[:8], strict=True)),
    }
    if pipeline:
        outcomes = write_reasons(list(facts), generate=generate, guard=guard, domain=domain, batch_size=batch_size)
        served = [(o.text, fact) for o, fact in zip(outcomes, facts, strict=True) if o.source == GENERATED]
        served_faults = [(text, tuple(claims)) for text, fact in served if (claims := unsupported_claims(
            text, fact, patterns, domain=domain))]  # fmt: skip
        faults += served_faults
        figures |= {
            "pipeline_acceptance": sum(o.first_attempt for o in outcomes) / len(facts),
            "pipeline_informative": _share(
                sum(is_informative(text, fact, domain=domain) for text, fact in served), len(served)
            ),
            "pipeline_unsupported": len(served_faults),
        }
    return Measure(seconds=time.perf_counter() - started, faults=tuple(faults), **figures)


def better(candidate: Measure, base: Measure) -> bool:
    """Promote only when the model on its own is accepted more often and the audit finds nothing."""
    unsupported = candidate.unsupported + (candidate.pipeline_unsupported or 0)
    return candidate.acceptance > base.acceptance and unsupported == 0


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0

"""Reasons for 100 (user, item, request-or-none) triples of ml-latest-small: what is served, how well it is
grounded, how fast, and cache hits.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recsite REDIS_URL=redis://127.0.0.1:6379/14 \\
        python benchmarks/explain_bench.py [--pairs 100]

In a scratch database `<name>_bench`: imports ml-latest-small, trains the default model, embeds the items,
and picks --pairs triples: a seeded sample of users, each with one of their top 3 recommendations, every
third for a request in words (keys distinct). The reasons are written through the service
`explanations_generate` at batch 8 (RECSITE_GENERATOR_PATH for another model), and measured:
- first-attempt acceptance (served from the first round of candidates), template share;
- informative reasons (linking the item to two kinds of fact), and, of those given for a request, the
  ones that say how the item fits it;
- evidence cited only from liked items (rated 4 or more by that user);
- an audit of every served reason independent of the guard (language.audit): each content word must be
  found, by the audit's own matching, in the facts (title, year, categories and their genre words, tags, liked
  titles, the request) or in the reviewed free words (language.grounding's function and closed lists);
  also a year other than the item's, a genre word for a genre it lacks, or another catalogue title;
- reasons per second, and the cache-hit latency of `explanation_request`.
The triples' facts are written to var/bench/explain_facts.json. Given that file, the script runs without
Django or a database (a bare GPU host), timing the pure writer at each --batch-sizes:

    python benchmarks/explain_bench.py --facts var/bench/explain_facts.json --model PATH.gguf \\
        --batch-sizes 1,8,32

Prints the figures and writes them to docs/BENCHMARKS.md (section explain, or explain-device).
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from language.audit import title_patterns, unsupported_claims  # noqa: E402
from language.domain import domain_load  # noqa: E402
from language.grounding import is_informative, linked_kinds  # noqa: E402
from language.guard import ReasonGuard  # noqa: E402
from language.prompts import ReasonFacts  # noqa: E402
from language.reasons import TEMPLATE, ReasonOutcome, write_reasons  # noqa: E402

MOVIES = domain_load("movies")  # the MovieLens catalogue this benchmark reads
FACTS_FILE = REPO / "var" / "bench" / "explain_facts.json"
# Requests in words for the triples that have one (a third of them).
REQUESTS = [
    "something funny", "a tense thriller", "sci-fi from the 90s", "a romantic comedy", "an animated movie for kids",
    "a crime drama", "something scary", "an action movie from the 80s", "a war film", "a light fantasy adventure",
]  # fmt: skip


def figures(outcomes: list[ReasonOutcome], facts: list[ReasonFacts], titles: list[str]) -> dict:
    n = len(outcomes)
    asked = [(o, f) for o, f in zip(outcomes, facts, strict=True) if f.intent]
    patterns = title_patterns(titles, domain=MOVIES)
    failures = [(o.text, claims) for o, f in zip(outcomes, facts, strict=True) if (claims := unsupported_claims(
        o.text, f, patterns, domain=MOVIES))]  # fmt: skip
    return {
        "first_attempt": sum(o.first_attempt for o in outcomes) / n,
        "template": sum(o.source == TEMPLATE for o in outcomes) / n,
        "informative": sum(is_informative(o.text, f, domain=MOVIES) for o, f in zip(outcomes, facts, strict=True)) / n,
        "fits_request": (
            sum("request" in linked_kinds(o.text, f, domain=MOVIES) for o, f in asked) / len(asked) if asked else None
        ),
        "requests": len(asked),
        "failures": failures,
    }


def timed_writes(facts, generator, guard, batch_size) -> tuple[list[ReasonOutcome], float]:
    generator.generate(["Movie: Heat\nReason:"])  # warm-up: first kernels, caches
    started = time.perf_counter()
    outcomes = write_reasons(
        facts, generate=generator.generate, guard=guard, domain=guard.domain, batch_size=batch_size
    )
    return outcomes, time.perf_counter() - started


def pick_triples(n: int, seed: int = 0):
    """`n` (user, item, request or None) triples with distinct reason keys: sampled users, one of their
    top 3 each, every third for a request in words."""
    from django.contrib.auth import get_user_model

    from explanations.services import explanation_request
    from recommendations.selectors import recommendations_for_user

    rng = random.Random(seed)
    users = list(get_user_model().objects.filter(ratings__isnull=False).distinct().order_by("pk"))
    rng.shuffle(users)
    triples, ids = [], []
    for user in users:
        intent = rng.choice(REQUESTS) if len(triples) % 3 == 2 else None
        recommendations = recommendations_for_user(user=user, n=3, intent=intent)
        if not recommendations:
            continue
        item = rng.choice(recommendations).item
        created = []
        result = explanation_request(user=user, item=item, intent=intent, enqueue=created.append)
        if created:
            triples.append((user, item, intent))
            ids.append(result.explanation_id)
        if len(triples) == n:
            break
    return triples, ids


def liked_evidence_share(triples, rows) -> tuple[int, int]:
    """(evidence items the user rated 4 or more, evidence items cited), over every triple."""
    from feedback.models import Rating

    liked = cited = 0
    for (user, _, _), row in zip(triples, rows, strict=True):
        values = dict(
            Rating.objects.filter(user=user, item_id__in=row.evidence_item_ids).values_list("item_id", "value")
        )
        cited += len(row.evidence_item_ids)
        liked += sum(1 for pk in row.evidence_item_ids if values.get(pk, 0) >= 4)
    return liked, cited


def full_run(args) -> None:
    import os

    from benchmarks.report import django_on_scratch_database

    if not os.environ.get("REDIS_URL"):
        sys.exit("explain_bench: set REDIS_URL (cache hits are measured through the real cache)")
    django_on_scratch_database("explain_bench")
    from django.core.cache import cache

    from catalog.models import Category, Item
    from datasets.services import dataset_import
    from explanations.generation import generator, generator_name, reason_facts
    from explanations.models import Explanation
    from explanations.services import explanation_request, explanations_generate
    from recommendations.services.embeddings import item_embeddings_refresh
    from recommendations.services.training import model_train

    cache.clear()
    dataset_import(path=Path(args.data))
    model_train()
    item_embeddings_refresh()
    triples, ids = pick_triples(args.pairs)
    order = {pk: position for position, pk in enumerate(ids)}
    rows = sorted(Explanation.objects.filter(pk__in=ids).select_related("item"), key=lambda row: order[row.pk])
    facts = [reason_facts(item=row.item, evidence_item_ids=row.evidence_item_ids, intent=row.intent) for row in rows]
    catalogue_titles = list(Item.objects.values_list("title", flat=True))
    categories = list(Category.objects.values_list("name", flat=True))
    FACTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    FACTS_FILE.write_text(
        json.dumps(
            {"facts": [fact.__dict__ for fact in facts], "categories": categories, "titles": catalogue_titles},
            ensure_ascii=False,
        )
    )
    model = generator()
    asked = sum(1 for fact in facts if fact.intent)
    print(f"{len(facts)} triples ({asked} with a request); {generator_name()} on {model.device}")
    started = time.perf_counter()
    explanations_generate(explanation_ids=ids, batch_size=8)
    seconds = time.perf_counter() - started
    served = sorted(Explanation.objects.filter(pk__in=ids), key=lambda row: order[row.pk])
    outcomes = [ReasonOutcome(row.text, row.source, (), row.first_attempt) for row in served]
    print(f"batch 8 (service): {len(facts) / seconds:.2f} reasons/s")

    for user, item, intent in triples:  # warm: the first call per triple fills the cache from the row
        explanation_request(user=user, item=item, intent=intent)
    latencies = []
    for _ in range(args.repeats):
        for user, item, intent in triples:
            started = time.perf_counter()
            result = explanation_request(user=user, item=item, intent=intent)
            latencies.append(time.perf_counter() - started)
            assert result.status == "ready"
    p50, p99 = (statistics.quantiles(latencies, n=100)[q] * 1000 for q in (49, 98))
    print(f"cache hit: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    liked, cited = liked_evidence_share(triples, served)
    body = report(
        title="## Reasons: grounding, informativeness, speed (`benchmarks/explain_bench.py`)",
        setting=(
            f"ml-latest-small in PostgreSQL with Redis as the cache; {len(facts)} (user, item, request) triples "
            f"(seeded sample of users, one of each one's top 3 recommendations, every third for a request in "
            f"words); generator {generator_name()} on {model.device} "
            f"({'float16' if model.device == 'cuda' else 'float32'}), greedy, steered to each item's words; "
            "written through the service `explanations_generate` at batch 8 (storing included)."
        ),
        runs=[(8, seconds, figures(outcomes, facts, catalogue_titles))],
        n=len(facts),
        examples=[(f, o) for f, o in zip(facts, outcomes, strict=True)][:8],
    )
    body += (
        f"\nEvidence cited from liked items (rated 4 or more by that user): **{liked} of {cited}**"
        f" ({liked / cited:.0%}; goal 100%).\n"
        if cited
        else "\nNo evidence was cited.\n"
    )
    body += (
        f"\nCache hit, `explanation_request` for a ready reason ({args.repeats} x {len(triples)} calls, the "
        f"user's evidence from the database and the model included): **p50 {p50:.2f} ms, p99 {p99:.2f} ms** "
        "(goal: at most 5 ms).\n"
    )
    print(body)
    write_section("explain", body)


def report(*, title, setting, runs, n, examples) -> str:
    table = "\n".join(
        f"| {batch} | {seconds:.1f} | {n / seconds:.2f} | {f['first_attempt']:.0%} | {f['template']:.0%} "
        f"| {f['informative']:.0%} | "
        + (f"{f['fits_request']:.0%} of {f['requests']}" if f["fits_request"] is not None else "-")
        + f" | {len(f['failures'])} |"
        for batch, seconds, f in runs
    )
    failures = runs[-1][2]["failures"]
    failures_text = "".join(f'\n  - "{text}": {", ".join(claims)}' for text, claims in failures[:10])
    sample = "\n".join(
        f'- {facts.title}{f" (asked: {facts.intent})" if facts.intent else ""}: "{o.text}" ({o.source})'
        for facts, o in examples
    )
    return f"""{title}

{setting}

| batch | seconds for {n} | reasons/s | accepted first | template | informative | fits the request | unsupported |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{table}

Goals: acceptance at least 85%, template at most 10%, informative at least 80%, fitting the request at least
80%, unsupported claims 0, at least 0.80 reasons/s on 2 CPU cores at batch 8. An unsupported claim is what
the audit above finds (independent of the guard).{failures_text}

Examples of what is served:
{sample}
"""


def facts_only_run(args) -> None:
    import torch

    from language.generator import TransformersGenerator

    data = json.loads(Path(args.facts).read_text())
    facts = [ReasonFacts(**{k: tuple(v) if isinstance(v, list) else v for k, v in f.items()}) for f in data["facts"]]
    guard = ReasonGuard(data["categories"], titles=data["titles"], domain=MOVIES)
    started = time.perf_counter()
    model = TransformersGenerator(Path(args.model))
    load = time.perf_counter() - started
    label = args.label or (torch.cuda.get_device_name() if model.device == "cuda" else "this machine's CPU")
    print(f"{len(facts)} triples; generator {model.name} on {model.device} ({label}), loaded in {load:.1f} s")
    runs = []
    for batch in [int(b) for b in args.batch_sizes.split(",")]:
        outcomes, seconds = timed_writes(facts, model, guard, batch_size=batch)
        print(f"batch {batch}: {len(facts) / seconds:.2f} reasons/s")
        runs.append((batch, seconds, figures(outcomes, facts, data["titles"])))
    body = report(
        title=f"## Reasons on {label} (`benchmarks/explain_bench.py --facts`)",
        setting=(
            f"The same {len(facts)} triples' facts as the section above (var/bench/explain_facts.json); generator "
            f"{model.name} on {model.device} ({'float16' if model.device == 'cuda' else 'float32'}), loaded "
            f"(converted from GGUF) in {load:.1f} s; the pure writer, no database."
        ),
        runs=runs,
        n=len(facts),
        examples=list(zip(facts, outcomes, strict=True))[:8],
    )
    print(body)
    write_section("explain-device" if model.device == "cuda" else "explain-facts", body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(REPO.parent / "shared" / "datasets" / "ml-latest-small"))
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5, help="cache-hit calls per pair")
    parser.add_argument("--facts", help="run only the generation, from this facts file (no Django)")
    parser.add_argument("--model", help="with --facts: the generator (a model folder or a GGUF file)")
    parser.add_argument("--batch-sizes", default="1,8", help="with --facts")
    parser.add_argument("--label", help="with --facts: where it ran, for the report (default: the GPU's name)")
    args = parser.parse_args()
    if args.facts:
        if not args.model:
            parser.error("--facts needs --model")
        facts_only_run(args)
    else:
        full_run(args)


if __name__ == "__main__":
    main()

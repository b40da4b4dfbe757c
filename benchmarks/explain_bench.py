"""Reasons for 100 (user, item) pairs of ml-latest-small: throughput, cache hits, guard and fallback rates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recsite REDIS_URL=redis://127.0.0.1:6379/14 \\
        python benchmarks/explain_bench.py [--pairs 100]

In a scratch database `<name>_bench`: imports ml-latest-small, trains the default model, and picks --pairs
(user, item) pairs: a seeded sample of users, each with one of their top 3 recommendations (keys
distinct). Then, with the packaged generator (RECSITE_GENERATOR_PATH to use another):
- reasons per second at batch 1 (the pure writer: generate, guard, strict retry, template) and at batch 8
  through the service `explanations_generate`, which also stores what is served;
- cache-hit latency of `explanation_for` (the whole call, the user's evidence included), p50 and p99;
- the guard's rejection rate (first attempts), the strict retry's, and the template fallback rate;
- an audit of every served reason, independent of the guard: a year other than the item's, a genre
  the item lacks, or any other catalogue title named counts as an unsupported claim (goal: none).
The pairs' facts are written to var/bench/explain_facts.json. Given that file, the script runs without
Django or a database (a bare GPU host), timing the pure writer at each --batch-sizes:

    python benchmarks/explain_bench.py --facts var/bench/explain_facts.json --model PATH.gguf \\
        --batch-sizes 1,8,32

Prints the figures and writes them to docs/BENCHMARKS.md (section explain, or explain-device).
"""

import argparse
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from benchmarks.report import write_section  # noqa: E402
from language.domain import domain_load  # noqa: E402
from language.guard import ReasonGuard  # noqa: E402
from language.prompts import ReasonFacts  # noqa: E402
from language.reasons import TEMPLATE, ReasonOutcome, write_reasons  # noqa: E402

MOVIES = domain_load("movies")  # the MovieLens catalogue this benchmark reads

FACTS_FILE = REPO / "var" / "bench" / "explain_facts.json"
# Words that claim a genre, for the audit (kept apart from the guard's own vocabulary on purpose).
GENRE_WORDS = {
    "Action": ["action"],
    "Adventure": ["adventure", "adventures"],
    "Animation": ["animation", "animated", "cartoon"],
    "Children": ["children", "children's", "kids", "family film"],
    "Comedy": ["comedy", "comedies", "comedic"],
    "Crime": ["crime", "gangster", "heist"],
    "Documentary": ["documentary"],
    "Drama": ["drama", "dramatic"],
    "Fantasy": ["fantasy"],
    "Film-Noir": ["film-noir", "noir"],
    "Horror": ["horror", "scary"],
    "IMAX": ["imax"],
    "Musical": ["musical"],
    "Mystery": ["mystery", "whodunit"],
    "Romance": ["romance", "romantic", "love story"],
    "Sci-Fi": ["sci-fi", "science fiction", "science-fiction"],
    "Thriller": ["thriller", "thrillers"],
    "War": ["war film", "war movie", "wartime"],
    "Western": ["western", "cowboy"],
}


def unsupported_claims(text: str, facts: ReasonFacts, other_titles: list[re.Pattern]) -> list[str]:
    """What `text` says that the facts do not: the audit behind "served reasons with an unsupported claim"."""
    given = [facts.title, *facts.evidence_titles, facts.intent]
    given += [MOVIES.natural_title(title) for title in filter(None, given)]
    rest = text
    for title in sorted(filter(None, given), key=len, reverse=True):
        rest = re.sub(re.escape(title), " ", rest, flags=re.IGNORECASE)
    claims = [f"year {year}" for year in re.findall(r"\b(1[89]\d\d|20\d\d)\b", rest) if int(year) != facts.year]
    tags = " ".join(facts.tags).lower()
    for genre, words in GENRE_WORDS.items():
        for word in words:
            if genre not in facts.categories and word not in tags and re.search(rf"\b{re.escape(word)}\b", rest, re.I):
                claims.append(f"genre {genre} ({word!r})")
    claims += [f"title {pattern.pattern!r}" for pattern in other_titles if pattern.search(rest)]
    return claims


def title_patterns(titles: list[str]) -> list[re.Pattern]:
    """Patterns for catalogue titles worth looking for, as written (capitalised): two words or more
    ("Heat" is also a word), also in reading order ("American President, The")."""
    patterns = []
    for title in set(titles):
        for form in {title, MOVIES.natural_title(title)}:
            if len(form.split()) >= 2:
                patterns.append(re.compile(rf"(?<!\w){re.escape(form)}(?!\w)"))
    return patterns


def rates(outcomes: list[ReasonOutcome]) -> dict[str, float]:
    n = len(outcomes)
    first_rejected = sum(1 for o in outcomes if "first:" in o.verdict)
    strict_rejected = sum(1 for o in outcomes if "strict:" in o.verdict)
    return {
        "guard_rejection": first_rejected / n,
        "strict_rejection": strict_rejected / first_rejected if first_rejected else 0.0,
        "template_fallback": sum(1 for o in outcomes if o.source == TEMPLATE) / n,
    }


def rejection_kinds(outcomes: list[ReasonOutcome]) -> Counter:
    kinds = Counter()
    for outcome in outcomes:
        for problem in filter(None, outcome.verdict.split("; ")):
            problem = re.sub(r"^(first|strict): ", "", problem)
            kinds[re.sub(r"[\d'\"].*", "", problem).strip() or problem] += 1
    return kinds


def timed_writes(facts, generator, guard, batch_size) -> tuple[list[ReasonOutcome], float]:
    generator.generate(["Movie: Heat\nReason:"])  # warm-up: first kernels, caches
    started = time.perf_counter()
    outcomes = write_reasons(
        facts, generate=generator.generate, guard=guard, domain=guard.domain, batch_size=batch_size
    )
    return outcomes, time.perf_counter() - started


def audit(texts: list[str], facts: list[ReasonFacts], catalogue_titles: list[str]) -> list[tuple[str, list[str]]]:
    """Each served text with the claims it makes beyond its facts (the given titles are taken out of the
    text first, so every catalogue title left in it is another one)."""
    titles = title_patterns(catalogue_titles)
    failures = []
    for text, fact in zip(texts, facts, strict=True):
        claims = unsupported_claims(text, fact, titles)
        if claims:
            failures.append((text, claims))
    return failures


def pick_pairs(n: int, seed: int = 0):
    """`n` (user, item) pairs with distinct reason keys: sampled users, one of their top 3 each."""
    from django.contrib.auth import get_user_model

    from explanations.services import explanation_request
    from recommendations.selectors import recommendations_for_user

    rng = random.Random(seed)
    users = list(get_user_model().objects.filter(ratings__isnull=False).distinct().order_by("pk"))
    rng.shuffle(users)
    pairs, ids = [], []
    for user in users:
        recommendations = recommendations_for_user(user=user, n=3)
        if not recommendations:
            continue
        item = rng.choice(recommendations).item
        created = []
        result = explanation_request(user=user, item=item, enqueue=created.append)
        if created:
            pairs.append((user, item))
            ids.append(result.explanation_id)
        if len(pairs) == n:
            break
    return pairs, ids


def full_run(args) -> None:
    import os

    from benchmarks.report import django_on_scratch_database

    if not os.environ.get("REDIS_URL"):
        sys.exit("explain_bench: set REDIS_URL (cache hits are measured through the real cache)")
    django_on_scratch_database("explain_bench")
    from django.core.cache import cache

    from catalog.models import Category, Item
    from datasets.services import dataset_import
    from explanations.generation import generator, generator_name, reason_facts, reason_guard
    from explanations.models import Explanation
    from explanations.services import explanation_request, explanations_generate
    from recommendations.services.training import model_train

    cache.clear()
    dataset_import(path=Path(args.data))
    model_train()
    pairs, ids = pick_pairs(args.pairs)
    rows = list(Explanation.objects.filter(pk__in=ids).select_related("item").order_by("pk"))
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
    model, guard = generator(), reason_guard()
    print(f"{len(facts)} pairs; generator {generator_name()} on {model.device}")

    batch1, seconds1 = timed_writes(facts, model, guard, batch_size=1)
    print(f"batch 1: {len(facts) / seconds1:.2f} reasons/s")
    started = time.perf_counter()
    explanations_generate(explanation_ids=ids, batch_size=8)
    seconds8 = time.perf_counter() - started
    print(f"batch 8 (service): {len(facts) / seconds8:.2f} reasons/s")
    served = list(Explanation.objects.filter(pk__in=ids).order_by("pk"))
    outcomes8 = [ReasonOutcome(row.text, row.source, (row.verdict,) if row.verdict else ()) for row in served]

    for user, item in pairs:  # warm: the first call per pair fills the cache from the row
        explanation_request(user=user, item=item)
    latencies = []
    for _ in range(args.repeats):
        for user, item in pairs:
            started = time.perf_counter()
            result = explanation_request(user=user, item=item)
            latencies.append(time.perf_counter() - started)
            assert result.status == "ready"
    p50, p99 = (statistics.quantiles(latencies, n=100)[q] * 1000 for q in (49, 98))
    print(f"cache hit: p50 {p50:.2f} ms, p99 {p99:.2f} ms")

    failures = audit([row.text for row in served], facts, catalogue_titles)
    examples = [(fact.title, row.text, row.source) for fact, row in zip(facts, served, strict=True)][:6]
    body = report(
        title="## Reasons: generation, cache hits, guard (`benchmarks/explain_bench.py`)",
        setting=(
            f"ml-latest-small in PostgreSQL with Redis as the cache; {len(facts)} (user, item) pairs (seeded sample "
            f"of users, one of each one's top 3 recommendations); generator {generator_name()} on "
            f"{model.device} ({'float16' if model.device == 'cuda' else 'float32'}), greedy, at most 48 new tokens. "
            "Batch 1 times the pure writer; batch 8 times the service `explanations_generate`, which stores "
            "what is served (its few queries included). Each counts the guard, the strict retry of rejected "
            "reasons and the template fallback."
        ),
        runs=[(1, seconds1, batch1), (8, seconds8, outcomes8)],
        n=len(facts),
        failures=failures,
        served=len(served),
        examples=examples,
        kinds=rejection_kinds(outcomes8),
    )
    body += (
        f"\nCache hit, `explanation_for` for a ready reason ({args.repeats} x {len(pairs)} calls, the user's "
        f"evidence from the database and the model included): **p50 {p50:.2f} ms, p99 {p99:.2f} ms** "
        "(goal: at most 5 ms).\n"
    )
    write_section("explain", body)


def report(*, title, setting, runs, n, failures, served, examples, kinds) -> str:
    table = "\n".join(
        f"| {batch} | {seconds:.1f} | {n / seconds:.2f} | {r['guard_rejection']:.0%} | {r['strict_rejection']:.0%} "
        f"| {r['template_fallback']:.0%} |"
        for batch, seconds, outcomes in runs
        for r in [rates(outcomes)]
    )
    sample = "\n".join(f'- {title_}: "{text}" ({source})' for title_, text, source in examples)
    failures_text = "".join(f'\n  - "{text}": {", ".join(claims)}' for text, claims in failures[:10])
    top_kinds = ", ".join(f"{kind} ({count})" for kind, count in kinds.most_common(6))
    return f"""{title}

{setting}

| batch | seconds for {n} | reasons/s | guard rejected (first) | rejected again (strict) | template fallback |
| ---: | ---: | ---: | ---: | ---: | ---: |
{table}

Served reasons with an unsupported claim, by an audit independent of the guard (a year not the item's, a
genre word for a genre the item lacks, any other catalogue title of two or more words, as written):
**{len(failures)} of {served}** (goal: 0).{failures_text}

Most common rejections: {top_kinds or "none"}.

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
    print(f"{len(facts)} pairs; generator {model.name} on {model.device} ({label}), loaded in {load:.1f} s")
    runs = []
    for batch in [int(b) for b in args.batch_sizes.split(",")]:
        outcomes, seconds = timed_writes(facts, model, guard, batch_size=batch)
        print(f"batch {batch}: {len(facts) / seconds:.2f} reasons/s, {rates(outcomes)}")
        runs.append((batch, seconds, outcomes))
    served = runs[-1][2]
    failures = audit([o.text for o in served], facts, data["titles"])
    body = report(
        title=f"## Reasons on {label} (`benchmarks/explain_bench.py --facts`)",
        setting=(
            f"The same {len(facts)} pairs' facts as the section above (var/bench/explain_facts.json); generator "
            f"{model.name} on {model.device} ({'float16' if model.device == 'cuda' else 'float32'}), loaded "
            f"(converted from GGUF) in {load:.1f} s; the pure writer, no database. The audit is of the last "
            "batch size's reasons."
        ),
        runs=runs,
        n=len(facts),
        failures=failures,
        served=len(served),
        examples=[(fact.title, o.text, o.source) for fact, o in zip(facts, served, strict=True)][:6],
        kinds=rejection_kinds(served),
    )
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

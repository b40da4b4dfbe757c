"""Reads: the list for a request in words. The request's constraints filter the catalogue (categories all
of, exclusions, years, and the words it refused), its anchors and keywords rank, and when too few items
meet every constraint they are relaxed, one documented step at a time, each step said in `notes`:

1. all of the categories named -> all but one of them, ... -> any one of them;
2. the years widen by 5 on each bounded side, then go;
3. the categories go;
4. the exclusions (categories and refused words) go.

Anchors ("like Heat") and keywords ("mentions: Tom Hanks") never filter, so they are never relaxed: the
anchor's neighbours and its vector rank the list (the anchor itself is never in it), and items mentioning
the keywords come first. The list is empty only when no active item is left that the user has not rated
or hidden."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from catalog.domain import catalogue_domain
from catalog.selectors import items_mentioning
from language.parsed import ParsedIntent
from recengine.scoring import blend, relaxed_choice
from recommendations.serving import CatalogueFacts, ServingModel, catalogue_facts_now
from recommendations.vector_index import VectorIndex, vector_index

YEAR_WIDENING = 5
ANCHOR_NEIGHBOURS = 500  # the anchor's nearest items in the model that rank the list
PERSONAL_SHARE = 0.3  # of the user's own collaborative score, beside an anchor's neighbours
EXACT_STEP_ITEMS = 5000  # a step this narrow is scored exactly (about a millisecond) with an approximate index
COLLABORATIVE_EXACT = 1000  # the best by collaborative score, scored exactly (the ranking's pool is 300)


@dataclass(frozen=True)
class RankedForRequest:
    item_ids: np.ndarray
    scores: np.ndarray
    similarities: np.ndarray
    notes: tuple[str, ...]  # what was relaxed, in order


def rank_for_request(
    parsed: ParsedIntent,
    *,
    serving: ServingModel | None,
    rated_ids: np.ndarray,
    user_scores: Callable[[], np.ndarray] | None,
    hidden_ids: np.ndarray,
    n: int,
    slugs_item_ids: np.ndarray | None,
) -> RankedForRequest:
    """The n items for the request. `user_scores()`: the user's collaborative score per model item (None
    without history); `slugs_item_ids`: the items an explicit category filter allows (None: no filter)."""
    facts = catalogue_facts_now()
    index: VectorIndex | None = vector_index()
    if len(index) and len(facts.item_ids):  # the universe is the index's rows
        universe = index.item_ids
    else:  # nothing embedded yet: every active item, ranked without similarity
        index, universe = None, facts.item_ids[facts.active]
    at = np.minimum(facts.positions(universe), len(facts.item_ids) - 1)
    anchor_ids = np.array([a.item_id for a in parsed.anchors], dtype=np.int64)
    # (A vector whose item was deleted since this process read it matches no item here: never eligible.)
    base = (facts.item_ids[at] == universe) & facts.active[at]
    base &= ~np.isin(universe, np.concatenate([rated_ids, hidden_ids, anchor_ids]))
    if slugs_item_ids is not None:
        base &= np.isin(universe, slugs_item_ids)

    collaborative = _collaborative(universe, serving, anchor_ids, user_scores)
    bonus = _keyword_bonus(parsed, universe)
    steps, notes = _relaxation_steps(parsed, facts, at, base, n)
    if index is None:
        similarity = np.zeros(len(universe))
    else:
        similarity = _similarity(parsed, index, anchor_ids, _scored_exactly(index, steps, collaborative, bonus))

    def choose(eligible: np.ndarray, k: int) -> np.ndarray:
        chosen, _ = blend(
            collaborative, similarity, eligible=eligible, weight=settings.RECSITE_INTENT_CF_WEIGHT, n=k, bonus=bonus
        )
        return chosen

    chosen, used = relaxed_choice(steps, n=n, choose=choose)
    # The blended scores, recomputed over everything shown, so the list's scores are comparable.
    shown = np.zeros(len(universe), dtype=bool)
    shown[chosen] = True
    order, scores = blend(
        collaborative, similarity, eligible=shown, weight=settings.RECSITE_INTENT_CF_WEIGHT, n=len(chosen), bonus=bonus
    )
    score_of = dict(zip(order.tolist(), scores.tolist(), strict=True))
    return RankedForRequest(
        item_ids=universe[chosen],
        scores=np.array([score_of[i] for i in chosen.tolist()]),
        similarities=similarity[chosen],
        notes=tuple(notes[max(used)]) if used else (),
    )


def _similarity(parsed: ParsedIntent, index: VectorIndex, anchor_ids: np.ndarray, exact) -> np.ndarray:
    """To the request's words, and to the anchors' vectors: the mean of those there are."""
    parts = []
    if parsed.vector is not None and (parsed.residual or not len(anchor_ids)):
        parts.append(index.similarity(parsed.vector, exact=exact))
    anchor_rows = index.rows_of(anchor_ids)
    if len(anchor_rows):
        centre = index.vectors_of(anchor_rows).mean(axis=0)
        parts.append(index.similarity(centre / max(float(np.linalg.norm(centre)), 1e-9), exact=exact))
    return np.mean(parts, axis=0) if parts else np.zeros(len(index))


def _scored_exactly(index: VectorIndex, steps: list[np.ndarray], collaborative: np.ndarray, bonus) -> np.ndarray | None:
    """With an approximate index, the rows whose similarity the ranking must have exactly, beside each
    query's nearest (a mask): the items of the broadest step with at most EXACT_STEP_ITEMS (a narrow request,
    such as one decade's documentaries, whose best matches need not be near the query among all items), the
    best by collaborative score, and those a keyword boosts. None: an exact index scores every row anyway."""
    if index.graph is None:
        return None
    small = [step for step in steps if step.sum() <= EXACT_STEP_ITEMS]
    exact = small[-1].copy() if small else np.zeros(len(index), dtype=bool)
    candidates = np.flatnonzero(steps[-1])
    if len(candidates) > COLLABORATIVE_EXACT:
        candidates = candidates[np.argpartition(-collaborative[candidates], COLLABORATIVE_EXACT)[:COLLABORATIVE_EXACT]]
    exact[candidates] = True
    if bonus is not None:
        exact |= bonus > 0
    return exact


def _collaborative(universe, serving: ServingModel | None, anchor_ids, user_scores) -> np.ndarray:
    """The user's collaborative score (popularity without history) or, with anchors, the anchors'
    neighbours in the model with a share of the user's own score."""
    collaborative = np.zeros(len(universe))
    if serving is None:
        return collaborative
    model_idx, in_model = serving.index_of(universe)
    own = user_scores() if user_scores is not None else None
    if own is None:  # no history the model knows: popularity stands in for the collaborative signal
        own = 1.0 - serving.model.popularity_rank / max(1, len(serving.item_ids))
    anchors_idx, _ = serving.index_of(anchor_ids)
    if len(anchors_idx):
        neighbours = np.zeros(len(serving.item_ids))
        for anchor in anchors_idx.tolist():
            for item, score in serving.model.similar(anchor, n=ANCHOR_NEIGHBOURS):
                neighbours[item] += score
        peak, own_peak = neighbours.max(), max(float(own.max()), 1e-9)
        own = (neighbours / peak if peak > 0 else neighbours) + PERSONAL_SHARE * np.maximum(own, 0) / own_peak
    collaborative[np.flatnonzero(in_model)] = own[model_idx]
    return collaborative


def _keyword_bonus(parsed: ParsedIntent, universe: np.ndarray) -> np.ndarray | None:
    """1 per keyword an item mentions: items mentioning more come first, then those mentioning fewer, then
    the rest (blended scores are at most 1)."""
    if not parsed.keywords:
        return None
    bonus = np.zeros(len(universe))
    for keyword in parsed.keywords:
        # In the field it was found in: "dark" among items tagged dark, not every title with "dark" in it.
        found = items_mentioning(keyword.phrase, field=keyword.field)
        bonus += np.isin(universe, found)
    return bonus


def _relaxation_steps(
    parsed: ParsedIntent, facts: CatalogueFacts, at: np.ndarray, base: np.ndarray, n: int
) -> tuple[list[np.ndarray], list[list[str]]]:
    """Masks from every constraint to none, in the order of the module docstring, and for each what is
    relaxed by then, in words (a step relaxes what the steps before it did, and one thing more)."""
    plural = catalogue_domain().plural
    empty = np.zeros(len(facts.item_ids), dtype=bool)
    wanted = [facts.categories.get(name, empty)[at] for name in parsed.categories]
    refused = np.zeros(len(at), dtype=bool)
    for name in parsed.excluded:
        refused |= facts.categories.get(name, empty)[at]
    for keyword in parsed.avoided:
        refused |= np.isin(facts.item_ids[at], items_mentioning(keyword.phrase))
    years = facts.years[at]
    low, high = parsed.year_min, parsed.year_max

    def in_years(widen: int | None) -> np.ndarray:
        if widen is None or (low is None and high is None):
            return np.ones(len(at), dtype=bool)
        lo = -np.inf if low is None else low - widen
        hi = np.inf if high is None else high + widen
        return (years >= lo) & (years <= hi)

    matched = np.sum(wanted, axis=0) if wanted else np.zeros(len(at))
    steps = [base & (matched >= len(wanted)) & ~refused & in_years(0)]
    relaxed: list[dict[str, str]] = [{}]  # each step's relaxations so far, by constraint

    def step(eligible: np.ndarray, constraint: str, note: str) -> None:
        steps.append(eligible)
        relaxed.append({**relaxed[-1], constraint: note})

    strict = int(steps[0].sum())
    strictly = f"only {strict} {plural} are" if strict else f"no {plural} are"
    for k in range(len(wanted) - 1, 0, -1):
        step(base & (matched >= k) & ~refused & in_years(0), "categories",
             f"{strictly} {_listed(parsed.categories, 'and')}: then {plural} in {k} of them")  # fmt: skip
    any_category = matched >= min(1, len(wanted))
    if low is not None or high is not None:
        asked = _years_label(low, high)
        wide = _years_label(
            None if low is None else low - YEAR_WIDENING, None if high is None else high + YEAR_WIDENING
        )
        step(
            base & any_category & ~refused & in_years(YEAR_WIDENING),
            "years",
            f"too few {plural} from {asked}: then from {wide}",
        )
        step(base & any_category & ~refused, "years", f"too few {plural} from {asked}: then from any year")
    if wanted:
        step(
            base & ~refused,
            "categories",
            f"too few {plural} are {_listed(parsed.categories, 'or')}: then other {plural}",
        )
    if parsed.excluded or parsed.avoided:
        refusals = _listed([*parsed.excluded, *(k.phrase for k in parsed.avoided)], "or")
        step(base, "exclusions", f"too few {plural} are not {refusals}: then {refusals} ones too")
    return steps, [list(notes.values()) for notes in relaxed]


def _listed(names, last: str) -> str:
    names = list(names)
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} {last} {names[-1]}"


def _years_label(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}-{high}"
    return f"{low} and later" if low is not None else f"{high} and earlier"

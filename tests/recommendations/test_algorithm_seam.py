"""A second recommendation algorithm plugs in through the registry and RECSITE_ALGORITHM alone: training,
serving, similar items, the scheduled retrain (it cannot refresh in place), the commands and offline
evaluation all take it without a change to their code."""

from dataclasses import asdict, dataclass
from io import StringIO
from typing import ClassVar

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import CommandError, call_command

from feedback.services import rating_upsert
from recengine.recommender import RECOMMENDERS, Refreshable, SplitFit
from recengine.scoring import evidence_for, popular_unseen, recommend
from recommendations.models import DirtyItem, ModelVersion
from recommendations.selectors import recommendations_for_user, similar_items
from recommendations.services.refresh import model_refresh
from recommendations.tasks.training import model_retrain_task
from tests.dataset_files import write_csv

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class CoCountParams:
    min_count: int = 1  # co-raters an item pair needs

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CoCounts:
    """Item lists weighted by how many users rated both items; popularity by rating count."""

    name: ClassVar[str] = "co-counts"
    Params: ClassVar[type] = CoCountParams
    params: CoCountParams
    lists: sp.csr_matrix
    popular: np.ndarray

    @classmethod
    def fit(cls, user_idx, item_idx, values, *, n_users, n_items, params=None, on_progress=None):
        params = params or CoCountParams()
        rated = sp.csr_matrix((np.ones(len(user_idx)), (user_idx, item_idx)), shape=(n_users, n_items))
        counts = (rated.T @ rated).tolil()
        counts.setdiag(0)
        counts = counts.tocsr()
        counts.data[counts.data < params.min_count] = 0
        counts.eliminate_zeros()
        popular = np.argsort(-np.bincount(item_idx, minlength=n_items), kind="stable")
        return cls(params=params, lists=counts.astype(np.float32), popular=popular)

    @classmethod
    def from_lists(cls, *, params, lists, popular):
        return cls(params=params, lists=lists, popular=popular)

    def _ranks(self):
        ranks = np.empty(len(self.popular), dtype=np.int64)
        ranks[self.popular] = np.arange(len(self.popular))
        return ranks

    def recommend(self, rated, values, *, n, allowed=None):
        weights = np.ones(len(rated), dtype=np.float32)
        return recommend(
            self.lists, rated=rated, weights=weights, n=n, popular=self.popular, popularity_rank=self._ranks(),
            allowed=allowed,
        )  # fmt: skip

    def scores(self, rated, values):
        return np.asarray(self.lists[rated].sum(axis=0)).ravel()

    def evidence(self, rated, values, items):
        return evidence_for(self.lists, rated=rated, weights=np.ones(len(rated), dtype=np.float32), items=items)

    def similar(self, item, *, n, allowed=None):
        row = self.lists.getrow(item)
        pairs = [
            (int(i), float(s)) for i, s in zip(row.indices, row.data, strict=True) if allowed is None or allowed[i]
        ]
        return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))[:n]

    def recommend_batch(self, ratings, *, n):
        return popular_unseen(self.popular, ratings, n=n)


@pytest.fixture
def co_counts(settings, monkeypatch):
    monkeypatch.setitem(RECOMMENDERS, CoCounts.name, CoCounts)
    settings.RECSITE_ALGORITHM = CoCounts.name


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_second_algorithm_has_only_the_base_capabilities():
    assert not isinstance(CoCounts, SplitFit)
    assert not issubclass(CoCounts, Refreshable)


def test_it_is_trained_served_and_refreshed_through_the_setting(taste_world, co_counts):
    films, newcomer = taste_world["films"], taste_world["newcomer"]

    assert "co-counts (default parameters)" in run("train")
    version = ModelVersion.objects.get(status="active")
    assert version.algorithm == "co-counts"

    top = recommendations_for_user(user=newcomer, n=2)
    assert {r.item.title for r in top} == {"Aliens", "Predator"}
    assert [e.title for e in top[0].evidence] == ["Alien"]
    assert {(s.item.title, s.score) for s in similar_items(item=films["Heat"], n=2)} == {("Brazil", 3.0), ("Ran", 3.0)}
    assert "Heat" not in {s.item.title for s in similar_items(item=films["Alien"], n=5)}

    rating_upsert(user=newcomer, item=films["Heat"], value="4.5")  # Alien and Heat now share a rater
    assert model_refresh() is None  # no refit per rating: the lists wait for the scheduled retrain
    listed = recommendations_for_user(user=newcomer, n=5)
    led_by_heat = {r.item.title for r in listed if "Heat" in {e.title for e in r.evidence}}
    assert led_by_heat == {"Brazil", "Ran"}  # the rater's own list changed at once
    assert DirtyItem.objects.filter(item=films["Heat"]).exists()

    model_retrain_task.apply()
    assert ("Heat", 1.0) in {(s.item.title, s.score) for s in similar_items(item=films["Alien"], n=5)}
    assert not DirtyItem.objects.exists()


def test_the_commands_take_the_algorithm(taste_world, co_counts, tmp_path):
    run("train", "--algorithm", "item-knn")
    run("train", "--algorithm", "co-counts", "--min-count", "2")
    assert ModelVersion.objects.get(status="active").params == {"min_count": 2}

    out = run("recommend", "--user", "newcomer", "--algorithm", "item-knn", "--n", "2")  # the retired version
    assert "Aliens" in out
    with pytest.raises(CommandError, match="cannot be fitted in blocks"):
        run("train", "--blocks", "2")
    with pytest.raises(CommandError, match="unknown algorithm 'nope'"):
        run("train", "--algorithm", "nope")
    table = run("evaluate", "--data", str(write_csv(tmp_path)), "--algorithm", "co-counts")
    assert table.splitlines()[2].startswith("co-counts")

"""`manage.py evaluate`: protocols, relevance definitions, every registered algorithm in one table, JSON."""

import json
from dataclasses import asdict, dataclass
from io import StringIO
from typing import ClassVar

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from recengine.recommender import RECOMMENDERS
from recengine.scoring import popular_unseen
from tests.dataset_files import write_csv, write_ml100k

METRICS = {"ndcg@10", "recall@10", "recall@20", "hr@10", "precision@10", "coverage@10", "popularity_bias@10", "users"}


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def small_dataset(directory):
    """8 users rate the 4 films; items 2 and 4 get 5 stars, 1 and 3 get 2. Each even user's latest
    rating is item 4 (liked), each odd user's item 1 (not liked)."""
    ratings = [
        (str(u), str(i), "5.0" if i % 2 == 0 else "2.0", str(u * 10 + (i if u % 2 == 0 else 5 - i)))
        for u in range(1, 9)
        for i in range(1, 5)
    ]
    return str(write_csv(directory, ratings=ratings))


@dataclass(frozen=True)
class PopularParams:
    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class MostRated:
    """A tiny second algorithm: the most rated unseen items."""

    name: ClassVar[str] = "most-rated"
    Params: ClassVar[type] = PopularParams
    popular: np.ndarray

    @classmethod
    def fit(cls, user_idx, item_idx, values, *, n_users, n_items, params=None, on_progress=None):
        return cls(popular=np.argsort(-np.bincount(item_idx, minlength=n_items), kind="stable"))

    def recommend_batch(self, ratings, *, n):
        return popular_unseen(self.popular, ratings, n=n)


def test_json_has_one_object_per_algorithm_and_the_baseline(tmp_path, settings):
    data = small_dataset(tmp_path)

    results = json.loads(run("evaluate", "--data", data, "--protocol", "time-80-20", "--json"))

    assert [r["algorithm"] for r in results] == [settings.RECSITE_ALGORITHM, "popularity"]
    assert {r["protocol"] for r in results} == {"time-80-20"}
    assert results[0]["relevance"] == "liked"  # the default
    assert results[0]["ratings"] == {"train": 24, "test": 8}  # each user's latest of 4 ratings (20% rounds to 1)
    assert set(results[0]["metrics"]) == METRICS
    assert [r["metrics"]["users"] for r in results] == [4, 4]  # odd users' held-out rating is not liked


def test_relevance_all_scores_every_user_with_a_held_out_rating(tmp_path):
    data = small_dataset(tmp_path)

    results = json.loads(run("evaluate", "--data", data, "--protocol", "time-80-20", "--relevance", "all", "--json"))

    assert [r["metrics"]["users"] for r in results] == [8, 8]
    assert results[0]["relevance"] == "all"


def test_leave_one_out_holds_out_one_rating_per_user(tmp_path):
    results = json.loads(run("evaluate", "--data", small_dataset(tmp_path), "--protocol", "leave-one-out", "--json"))
    assert results[0]["ratings"] == {"train": 24, "test": 8}
    assert results[0]["protocol"] == "leave-one-out"


def test_all_prints_every_registered_algorithm_and_the_baseline_in_one_table(tmp_path, monkeypatch):
    monkeypatch.setitem(RECOMMENDERS, MostRated.name, MostRated)

    lines = run("evaluate", "--data", small_dataset(tmp_path), "--algorithm", "all", "--relevance", "all").splitlines()

    assert lines[0].startswith("random-80-20, seed 0, relevant: all held-out ratings; 24 training / 8 held-out")
    assert lines[1].split() == [
        "algorithm", "NDCG@10", "Recall@10", "Recall@20", "HR@10", "coverage@10", "pop.", "bias@10", "fit", "(s)",
    ]  # fmt: skip
    assert [line.split()[0] for line in lines[2:]] == [*sorted(RECOMMENDERS), "popularity"]
    assert "most-rated" in RECOMMENDERS
    assert len(lines[-1].split()) == 7  # the baseline has no fit time


def test_a_named_algorithm_is_the_only_one_evaluated(tmp_path, monkeypatch):
    monkeypatch.setitem(RECOMMENDERS, MostRated.name, MostRated)

    results = json.loads(run("evaluate", "--data", small_dataset(tmp_path), "--algorithm", "most-rated", "--json"))

    assert [r["algorithm"] for r in results] == ["most-rated", "popularity"]


def test_the_cut_off_names_the_columns(tmp_path, settings):
    lines = run("evaluate", "--data", small_dataset(tmp_path), "--k", "5").splitlines()
    assert "NDCG@5" in lines[1]
    assert "Recall@10" in lines[1]
    assert lines[2].startswith(settings.RECSITE_ALGORITHM)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--protocol", "k-fold"], "unknown protocol 'k-fold': use random-80-20 or time-80-20 or leave-one-out$"),
        (["--relevance", "loved"], "unknown relevance 'loved': use liked or all$"),
        (["--algorithm", "svd"], "--algorithm: unknown algorithm 'svd': use .*item-knn"),
        (["--k", "0"], "--k must be at least 1"),
        (["--neighbors", "0"], "--neighbors must be at least 1"),
    ],
)
def test_bad_options_are_refused_in_one_line(tmp_path, args, message):
    with pytest.raises(CommandError, match=message) as error:
        run("evaluate", "--data", small_dataset(tmp_path), *args)
    assert "\n" not in str(error.value)


def test_a_missing_dataset_is_named(tmp_path):
    with pytest.raises(CommandError, match="nowhere: does not exist"):
        run("evaluate", "--data", str(tmp_path / "nowhere"))


def test_an_ml_100k_directory_is_read(tmp_path):
    results = json.loads(run("evaluate", "--data", str(write_ml100k(tmp_path)), "--relevance", "all", "--json"))
    assert results[0]["ratings"]["train"] + results[0]["ratings"]["test"] == 5

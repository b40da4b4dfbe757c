import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import ModelVersion
from tests.dataset_files import write_csv


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_train_prints_the_version_and_its_counts(taste_world):
    out = run("train", "--neighbors", "3")

    version = ModelVersion.objects.get(status="active")
    assert out.startswith(f"Model version {version.pk} active: 8 users, 6 items, 22 ratings, ")
    assert "(k=3)" in out


@pytest.mark.django_db
def test_train_without_ratings_says_so():
    with pytest.raises(CommandError, match="no ratings to train on"):
        run("train")
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_recommend_json_lists_items_with_scores_and_evidence(taste_world):
    run("train")

    data = json.loads(run("recommend", "--user", "newcomer", "--n", "2", "--json"))

    rows = data["items"]
    assert data["intent"] is None
    assert {row["title"] for row in rows} == {"Aliens", "Predator"}
    assert rows[0]["evidence"][0]["title"] == "Alien"
    assert rows[0]["categories"] == ["Sci-Fi"]
    assert set(rows[0]) == {"item_id", "title", "year", "categories", "score", "similarity", "source", "evidence"}


@pytest.mark.django_db
def test_recommend_accepts_a_user_id_and_refuses_an_unknown_user(taste_world):
    run("train")
    assert "Aliens" in run("recommend", "--user", str(taste_world["newcomer"].pk))
    with pytest.raises(CommandError, match="no user 'nobody'"):
        run("recommend", "--user", "nobody")
    with pytest.raises(CommandError, match="--n must be between 1 and 500"):
        run("recommend", "--user", "newcomer", "--n", "0")


@pytest.mark.django_db
def test_similar_lists_neighbours(taste_world):
    run("train")
    rows = json.loads(run("similar", "--item", str(taste_world["films"]["Heat"].pk), "--json"))
    assert {row["title"] for row in rows} == {"Ran", "Brazil"}
    with pytest.raises(CommandError, match="no item 0"):
        run("similar", "--item", "0")


def test_evaluate_reports_both_models_as_json(tmp_path):
    ratings = [(str(u), str(i), "4.0", str(u * 10 + i)) for u in range(1, 9) for i in range(1, 5)]
    data = write_csv(tmp_path, ratings=ratings)

    result = json.loads(run("evaluate", "--data", str(data), "--protocol", "leave-one-out", "--json"))

    assert result["protocol"] == "leave-one-out"
    assert result["ratings"] == {"train": 24, "test": 8}
    assert set(result["knn"]) == {"ndcg@10", "recall@10", "recall@20", "hr@10", "precision@10", "coverage@10", "users"}
    assert result["popularity"]["users"] == 8


def test_evaluate_prints_a_table(tmp_path):
    out = run("evaluate", "--data", str(write_csv(tmp_path)), "--k", "5")
    assert "ndcg@5" in out
    assert out.splitlines()[2].startswith("item-knn")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--protocol", "k-fold"], "unknown protocol 'k-fold': use random-80-20 or leave-one-out"),
        (["--k", "0"], "--k must be at least 1"),
        (["--neighbors", "0"], "--neighbors must be at least 1"),
    ],
)
def test_evaluate_refuses_bad_options(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run("evaluate", "--data", str(write_csv(tmp_path)), *args)


def test_evaluate_names_a_missing_dataset(tmp_path):
    with pytest.raises(CommandError, match="nowhere: does not exist"):
        run("evaluate", "--data", str(tmp_path / "nowhere"))

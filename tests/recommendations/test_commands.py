import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import ModelVersion


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

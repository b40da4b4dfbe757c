"""benchmarks/synth.py: a tiny synthetic MovieLens set, read by the real reader and imported by the real importer."""

import csv
import subprocess
import sys
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from benchmarks.synth import GENRES, synth_write
from catalog.models import Item
from datasets.importers import read_dataset
from feedback.models import Rating

FILES = ("movies.csv", "ratings.csv", "tags.csv", "links.csv")
SIZE = {"ratings": 5000, "users": 100, "items": 600}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synth")
    synth_write(directory, **SIZE, seed=1)
    return directory


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tiny, tmp_path):
    synth_write(tmp_path / "again", **SIZE, seed=1)
    synth_write(tmp_path / "other", **SIZE, seed=2)

    assert all((tiny / name).read_bytes() == (tmp_path / "again" / name).read_bytes() for name in FILES)
    assert (tiny / "ratings.csv").read_bytes() != (tmp_path / "other" / "ratings.csv").read_bytes()


def test_the_reader_finds_movielens_shaped_data(tiny):
    dataset = read_dataset(tiny)
    ratings = dataset.ratings

    assert (len(ratings), len(ratings.user_keys), len(dataset.items)) == (5000, 100, 600)
    per_user = np.bincount(ratings.user_idx)
    assert per_user.min() >= 20  # as in MovieLens
    assert per_user.max() >= 2.5 * np.median(per_user)  # a heavy tail of active users
    per_item = np.sort(np.bincount(ratings.item_idx, minlength=600))[::-1]
    assert per_item[:60].sum() >= 0.3 * len(ratings)  # the top tenth of items holds a third of the ratings
    values, counts = np.unique(ratings.values, return_counts=True)
    assert values.tolist() == [n / 2 for n in range(1, 11)]
    assert values[counts.argmax()] == 4.0
    assert 3.4 <= ratings.values.mean() <= 3.65
    genres = {name for item in dataset.items for name in item.categories}
    assert genres <= set(GENRES)
    assert all(len(item.categories) <= 3 for item in dataset.items)
    assert all(1920 <= item.year <= 2023 for item in dataset.items)
    assert len({item.title for item in dataset.items}) >= 0.95 * len(dataset.items)
    assert 0.1 * 600 <= sum(bool(item.keywords) for item in dataset.items) <= 0.6 * 600
    assert all(item.external_ids["imdb"].isdigit() for item in dataset.items)


def test_each_users_rows_come_in_increasing_time(tiny):
    with (tiny / "ratings.csv").open() as handle:
        rows = [(int(row["userId"]), int(row["timestamp"])) for row in csv.DictReader(handle)]
    users = np.array([user for user, _ in rows])
    stamps = np.array([stamp for _, stamp in rows])
    same_user = users[1:] == users[:-1]

    assert (np.diff(users) >= 0).all()  # grouped by user, as MovieLens
    assert (np.diff(stamps)[same_user] >= 0).all()


def test_collaborative_filtering_beats_popularity_on_held_out_items(tiny):
    """Taste clusters give item co-occurrence a signal beyond popularity: an item-item cosine score ranks a
    user's held-out items above unrated ones more often than popularity does."""
    ratings = read_dataset(tiny).ratings
    users, items = ratings.user_idx, ratings.item_idx
    held_out = np.zeros(len(users), bool)
    for user in range(len(ratings.user_keys)):
        rows = np.flatnonzero(users == user)
        held_out[rows[-len(rows) // 5 :]] = True  # each user's last fifth
    train = np.zeros((len(ratings.user_keys), 600))
    train[users[~held_out], items[~held_out]] = 1
    norms = np.linalg.norm(train, axis=0) + 1e-9
    similarity = (train.T @ train) / np.outer(norms, norms)
    np.fill_diagonal(similarity, 0)
    knn, popularity = train @ similarity, np.broadcast_to(train.sum(axis=0), train.shape)

    def auc(scores):
        wins = []
        for user in range(train.shape[0]):
            positives = scores[user, items[held_out & (users == user)]]
            negatives = scores[user, (train[user] == 0) & ~np.isin(np.arange(600), items[users == user])]
            wins.append((positives[:, None] > negatives[None, :]).mean())
        return float(np.mean(wins))

    assert auc(knn) > auc(popularity) + 0.03


def test_bad_sizes_exit_with_one_line():
    result = subprocess.run(
        [sys.executable, "benchmarks/synth.py", "--ratings", "100", "--users", "50", "--out", "/nonexistent"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr == "synth.py: --ratings 100 is fewer than 20 per user for 50 users\n"


@pytest.mark.django_db
def test_the_synthetic_set_imports_and_a_second_import_changes_nothing(tiny):
    first, second = StringIO(), StringIO()
    call_command("import_movielens", str(tiny), "--no-progress", stdout=first)
    call_command("import_movielens", str(tiny), "--no-progress", stdout=second)

    assert Rating.objects.count() == 5000
    assert Item.objects.filter(source="ml").count() == 600
    assert "5000 ratings (5000 new, 0 changed, 0 unchanged)" in first.getvalue()
    assert "5000 ratings (0 new, 0 changed, 5000 unchanged)" in second.getvalue()

"""The PostgreSQL import path (datasets/copy_import.py): COPY, the merge, and the indexes dropped for a bulk load."""

import logging
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from datasets.progress import Progress
from datasets.services import dataset_import
from feedback.models import Rating
from tests.dataset_files import RATINGS, write_csv

pytestmark = pytest.mark.django_db


def run_import(path, *args) -> str:
    out = StringIO()
    call_command("import_movielens", str(path), *args, stdout=out)
    return out.getvalue()


def rating_schema() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'feedback_rating'::regclass
               UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'feedback_rating' ORDER BY 1"""
        )
        return cursor.fetchall()


def ratings_held() -> dict[tuple[str, str], tuple[Decimal, int]]:
    rows = Rating.objects.values_list("user__username", "item__source_id", "value", "created")
    return {(user, item): (value, int(created.timestamp())) for user, item, value, created in rows}


def test_a_first_import_builds_the_ratings_indexes_and_constraints_again_as_they_were(tmp_path):
    schema = rating_schema()

    run_import(write_csv(tmp_path))

    assert rating_schema() == schema
    assert len(schema) >= 6  # primary key, unique pair, value check, two foreign keys, their indexes
    assert ratings_held()[("ml-1", "3")] == (Decimal("5.0"), 964981247)


def test_a_bulk_load_over_held_ratings_updates_changed_and_keeps_times_it_lacks(tmp_path, caplog):
    run_import(write_csv(tmp_path / "first"))
    schema = rating_schema()
    created_before = ratings_held()[("ml-2", "2")][1]
    more = [
        ("1", "1", "4.0", "964982703"),  # unchanged
        ("1", "3", "2.0", "964981247"),  # value changed
        ("2", "2", "1.0", ""),  # value changed, no time: the held time stays
        *[(str(10 + n), "4", "3.0", "1000") for n in range(60)],  # new: 10 times what is held, a bulk load
    ]

    with caplog.at_level(logging.INFO, logger="datasets.import"):
        out = run_import(write_csv(tmp_path / "second", ratings=more), "--progress")

    assert "indexes and constraints dropped for the load" in caplog.text
    held = ratings_held()
    assert "63 ratings (60 new, 2 changed, 1 unchanged)" in out
    assert held[("ml-1", "3")] == (Decimal("2.0"), 964981247)
    assert held[("ml-2", "2")] == (Decimal("1.0"), created_before)
    assert held[("ml-15", "4")] == (Decimal("3.0"), 1000)
    assert len(held) == len(RATINGS) + 60
    assert rating_schema() == schema


def test_an_import_with_no_ratings_writes_its_items(tmp_path):
    out = run_import(write_csv(tmp_path, ratings=[]))

    assert "4 items (4 new, 0 changed)" in out
    assert "0 users (0 new), 0 ratings (0 new, 0 changed, 0 unchanged)" in out


def test_a_pair_rated_twice_in_a_file_not_grouped_by_user_keeps_the_later_line(tmp_path, monkeypatch):
    monkeypatch.setattr("datasets.importers.csv_ratings.BLOCK_BYTES", 24)  # a block or two per user
    ratings = [("1", "1", "2.0", "10"), ("1", "2", "3.0", "11"), ("2", "1", "4.0", "20"), ("1", "1", "4.5", "30")]

    out = run_import(write_csv(tmp_path, ratings=ratings))

    assert "3 ratings (3 new" in out
    assert ratings_held()[("ml-1", "1")] == (Decimal("4.5"), 30)


def test_an_import_says_what_it_does_as_log_lines(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="datasets.import"):
        dataset_import(path=write_csv(tmp_path), progress=Progress())

    lines = [record.getMessage() for record in caplog.records if record.name == "datasets.import"]
    assert any(line.startswith("ratings.csv: read, checked and staged: 5 rows in ") for line in lines)
    assert any(line.startswith("ratings: building rating_unique_user_item: done in ") for line in lines)
    assert lines[-1].startswith("ratings: building ")


def test_a_quick_import_prints_its_summary_alone(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="datasets.import"):
        out = run_import(write_csv(tmp_path))

    assert not [record for record in caplog.records if record.name == "datasets.import"]
    assert out.startswith("Imported movielens-csv as source 'ml' in ")


def test_a_long_step_reports_its_count_and_rate_every_few_seconds():
    now = [0.0]
    lines: list[str] = []
    counter = Progress(every=5.0, clock=lambda: now[0], say=lines.append).counter("ratings.csv: staged")

    for _ in range(4):
        now[0] += 3.0
        counter.advance(1_000_000, ", line 7")
    counter.done()

    assert lines == [
        "ratings.csv: staged: 2,000,000 rows (333,333 rows/s), line 7",
        "ratings.csv: staged: 4,000,000 rows (333,333 rows/s), line 7",
        "ratings.csv: staged: 4,000,000 rows in 12.0 s (333,333 rows/s)",
    ]

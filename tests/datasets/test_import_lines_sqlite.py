"""The embedded default's import (SQLite, through the ORM) says its steps as log lines with counts and
rates, in a pipe as on a terminal."""

import re

import pytest

from tests.dataset_files import write_csv
from tests.processes import manage

pytestmark = pytest.mark.slow


def test_an_import_on_sqlite_says_its_steps_with_counts_and_rates_when_not_a_terminal(tmp_path):
    env = {"DJANGO_DEBUG": "true", "RECSITE_VAR_DIR": str(tmp_path / "var")}
    assert manage("migrate", "--no-input", env=env).returncode == 0

    result = manage("import_movielens", "--progress", str(write_csv(tmp_path / "data")), env=env)

    assert result.returncode == 0, result.stderr
    assert re.search(r"INFO datasets\.import items: writing 4: done in [\d.]+ s \([\d,]+ items/s\)", result.stderr)
    assert re.search(r"ratings: writing 5: done in [\d.]+ s \([\d,]+ ratings/s\)", result.stderr)
    assert "WARNING" not in result.stderr

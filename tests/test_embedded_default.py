"""The newcomer's path: no DATABASE_URL and no broker, so SQLite under var/ and eager tasks."""

import pytest

from tests.dataset_files import write_csv
from tests.processes import manage

pytestmark = pytest.mark.slow

REPORT = (
    "from django.conf import settings; from catalog.models import Item; from feedback.models import Rating; "
    "from recsite.celery import app; "
    "print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'], "
    "app.conf.task_always_eager, Item.objects.count(), Rating.objects.count())"
)


def test_migrate_and_import_on_sqlite_with_eager_tasks(tmp_path):
    env = {"DJANGO_DEBUG": "true", "RECSITE_VAR_DIR": str(tmp_path / "var")}

    migrate = manage("migrate", "--no-input", env=env)
    imported = manage("import_movielens", str(write_csv(tmp_path / "data")), env=env)
    report = manage("shell", "--no-imports", "-c", REPORT, env=env)

    assert migrate.returncode == 0, migrate.stderr
    assert imported.returncode == 0, imported.stderr
    assert "4 items (4 new" in imported.stdout
    assert (tmp_path / "var" / "db.sqlite3").is_file()
    assert report.stdout.split() == [
        "django.db.backends.sqlite3", "django.core.cache.backends.locmem.LocMemCache", "True", "4", "5",
    ]  # fmt: skip


def test_a_malformed_import_exits_non_zero_with_one_line_and_changes_nothing(tmp_path):
    env = {"DJANGO_DEBUG": "true", "RECSITE_VAR_DIR": str(tmp_path / "var")}
    manage("migrate", "--no-input", env=env)
    data = write_csv(tmp_path / "data", ratings=[("1", "1", "4.0", "1"), ("1", "2", "9", "2")])

    result = manage("import_movielens", str(data), env=env)
    report = manage("shell", "--no-imports", "-c", REPORT, env=env)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "CommandError: ratings.csv line 3: rating 9 is outside 0.5-5.0; nothing was imported"
    ]
    assert report.stdout.split()[-2:] == ["0", "0"]

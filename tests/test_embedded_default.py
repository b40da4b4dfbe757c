"""The newcomer's path: no DATABASE_URL and no broker, so SQLite under var/ and eager tasks, or a broker
in files and a real worker, as `make demo` runs them."""

import time

import pytest

from tests.dataset_files import write_csv
from tests.processes import celery_worker, manage, stop

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


ASK_REASON = (
    "from django.contrib.auth import get_user_model; from catalog.models import Item; "
    "from explanations.services import explanation_request; from recsite.celery import app; "
    "result = explanation_request(user=get_user_model().objects.get(username='ml-1'), "
    "item=Item.objects.get(title='Heat')); print(app.conf.task_always_eager, result.status)"
)
# The reason asked for (training also asked the worker to write ahead the reasons of recent users).
REASON_STATE = (
    "from explanations.models import Explanation; "
    "print(*Explanation.objects.filter(item__title='Heat').values_list('status', 'source').first())"
)


def test_with_a_file_broker_a_real_worker_writes_reasons_in_the_background(tmp_path, tiny_model):
    """`make demo`'s background work with no server installed: the request only asks; the worker writes."""
    env = {
        "DJANGO_DEBUG": "true",
        "RECSITE_VAR_DIR": str(tmp_path / "var"),
        "RECSITE_FILE_BROKER": str(tmp_path / "broker"),
        "RECSITE_GENERATOR_PATH": str(tiny_model),
    }
    assert manage("migrate", "--no-input", env=env).returncode == 0
    assert manage("import_movielens", str(write_csv(tmp_path / "data")), env=env).returncode == 0
    assert manage("train", env=env).returncode == 0

    asked = manage("shell", "--no-imports", "-c", ASK_REASON, env=env)
    assert asked.stdout.split() == ["False", "pending"], asked.stderr
    worker = celery_worker(queues="default,llm", env=env)
    try:
        for _ in range(120):
            state = manage("shell", "--no-imports", "-c", REASON_STATE, env=env).stdout.split()
            if state[:1] == ["ready"]:
                break
            time.sleep(0.5)
    finally:
        stop(worker)
    assert state == ["ready", "template"]  # the tiny model's words are all refused


KEYWORDS = (
    "from catalog.selectors import items_mentioning, keyword_fields; from catalog.models import Item; "
    "print(sorted(keyword_fields(['stephen king', 'sequels', 'heat', 'flurbish']).items())); "
    "print(sorted(Item.objects.get(pk=pk).title for pk in items_mentioning('stephen king')))"
)


def test_sqlite_finds_the_words_items_mention_without_full_text_search(tmp_path):
    env = {"DJANGO_DEBUG": "true", "RECSITE_VAR_DIR": str(tmp_path / "var")}
    manage("migrate", "--no-input", env=env)
    tags = [("1", "1", "Stephen King"), ("1", "2", "sequel")]
    manage("import_movielens", str(write_csv(tmp_path / "data", tags=tags)), env=env)

    report = manage("shell", "--no-imports", "-c", KEYWORDS, env=env)

    assert report.returncode == 0, report.stderr
    found, mentioning = report.stdout.strip().splitlines()
    assert found == "[('heat', 'title'), ('sequels', 'keywords'), ('stephen king', 'keywords')]"
    assert mentioning == "['Toy Story']"

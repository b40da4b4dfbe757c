"""The README's Recommendations commands, run as printed in a new shell after the demo's set-up.

The checkout is copied as a fresh clone would be (no .env, no var/), `manage.py migrate` and `manage.py
demo` run there as `make demo` runs them (its demo data already extracted, so nothing is downloaded: a
small MovieLens-100K-shaped set), and then each command of the README's block runs in its own shell with
no setting in the environment: only what the .env the demo wrote says."""

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dataset_files import write_recbole
from tests.processes import REPO, SETTINGS_VARIABLES

pytestmark = pytest.mark.slow

NOT_IN_A_CLONE = (".git", ".venv", "var", ".env", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules")


def readme_block(section: str) -> list[str]:
    """The command lines of the first `sh` block under the README's heading `section`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.DOTALL)
    assert block, f"README.md's {section} section has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def new_shell() -> dict[str, str]:
    """A login's environment: no setting at all (not even RECSITE_ENV_FILE, which the tests set empty)."""
    return {key: value for key, value in os.environ.items() if not key.startswith((*SETTINGS_VARIABLES, "VIRTUAL_ENV"))}


def run(command: str, *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def write_demo_data(directory: Path) -> None:
    """MovieLens-100K's three atomic files, small: 40 films (Sci-Fi among them), 50 users, 600 ratings."""
    rng = random.Random(7)
    genres = [["Sci-Fi"], ["Animation", "Comedy", "Children's"], ["Drama"], ["Horror"]]
    movies = [(str(n), f"Film {n} ({1970 + n})", genres[n % 4]) for n in range(1, 41)]
    ratings = [
        (str(user), str(item), f"{rng.randint(1, 5)}.0", str(880_000_000 + 1000 * user + item))
        for user in range(1, 51)
        for item in rng.sample(range(1, 41), 12)
    ]
    write_recbole(directory, name="ml-100k", movies=movies, ratings=ratings)
    (directory / "ml-100k.user").write_text("user_id:token\tage:token\n" + "".join(f"{u}\t30\n" for u in range(1, 51)))


@pytest.fixture
def demo_clone(tmp_path, tiny_model):
    """A copy of the checkout after `make demo`'s set-up; the reason generator is the tests' tiny model."""
    clone = tmp_path / "recsite"
    shutil.copytree(REPO, clone, ignore=shutil.ignore_patterns(*NOT_IN_A_CLONE), symlinks=True)
    venv = Path(sys.prefix)
    assert (venv / "bin" / "activate").is_file(), "the tests run from the project's virtual environment"
    (clone / ".venv").symlink_to(venv)
    write_demo_data(clone / "var" / "datasets" / "ml-100k")

    # What `make demo` exports to its set-up steps (with no DATABASE_URL / REDIS_URL set).
    make_demo = {"DJANGO_DEBUG": "true", "RECSITE_FILE_BROKER": str(clone / "var" / "broker")}
    setup = [run(f".venv/bin/python manage.py {step}", cwd=clone, env=new_shell() | make_demo)
             for step in ("migrate --no-input", "demo")]  # fmt: skip
    for step in setup:
        assert step.returncode == 0, step.stdout + step.stderr
        assert "WARNING" not in step.stdout + step.stderr
    with (clone / ".env").open("a") as env_file:  # what `make demo`'s prepare_generator stands for here
        env_file.write(f"RECSITE_GENERATOR_PATH={tiny_model}\n")
    return clone


def test_the_recommendations_commands_run_as_printed_in_a_new_shell(demo_clone):
    activate, *commands = readme_block("Recommendations")
    assert activate.startswith("source .venv/bin/activate")
    assert all(command.startswith("python manage.py ") for command in commands)

    results = [(command, run(f"{activate}\n{command}", cwd=demo_clone, env=new_shell())) for command in commands]

    failed = [
        f"{command}\n  exit {result.returncode}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        for command, result in results
        if result.returncode != 0 or "WARNING" in result.stdout + result.stderr
    ]
    assert not failed, "\n".join(failed)
    said = {command.split()[2]: result.stdout for command, result in results}
    assert said["rate"].startswith("rated: ml-100k-1 rated Film 1 (1971): 4.5")  # on the demo's database
    assert "ndcg@10" in said["evaluate"].casefold()

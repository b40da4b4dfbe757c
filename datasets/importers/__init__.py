"""Readers for the MovieLens releases and RecBole atomic files. No Django here: see base.py."""

from pathlib import Path

from datasets.importers import movielens_1m, movielens_100k, movielens_csv, recbole
from datasets.importers.base import Dataset, DatasetError, DatasetItem, Ratings

__all__ = ["Dataset", "DatasetError", "DatasetItem", "Ratings", "detect_format", "read_dataset"]

READERS = (movielens_csv, movielens_100k, movielens_1m, recbole)
EXPECTED = "movies.csv + ratings.csv, u.item + u.data, movies.dat + ratings.dat, or <name>.item + <name>.inter"


def detect_format(directory: Path):
    """The reader module for the dataset in `directory`, or a DatasetError saying what was expected."""
    if not directory.exists():
        raise DatasetError(str(directory), "does not exist")
    if not directory.is_dir():
        raise DatasetError(str(directory), "is not a directory")
    for reader in READERS:
        if reader.matches(directory):
            return reader
    raise DatasetError(str(directory), f"holds no MovieLens or RecBole files (expected {EXPECTED})")


def read_dataset(directory: Path | str, *, source: str | None = None, show_progress: bool = False) -> Dataset:
    """Parse and validate the whole dataset in `directory`; raises DatasetError on the first problem."""
    directory = Path(directory)
    reader = detect_format(directory)
    if source is None:
        source = recbole.dataset_name(directory) if reader is recbole else reader.DEFAULT_SOURCE
    try:
        return reader.read(directory, source=source, show_progress=show_progress)
    except OSError as exc:
        raise DatasetError(Path(exc.filename or directory).name, f"cannot be read ({exc.strerror})") from None

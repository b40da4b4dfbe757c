"""Readers for the MovieLens releases and RecBole atomic files. No Django here: see base.py."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datasets.importers import movielens_1m, movielens_100k, movielens_csv, recbole
from datasets.importers.base import Dataset, DatasetError, DatasetItem, Ratings
from datasets.importers.csv_ratings import RatingBlock, WholeUsers

__all__ = [
    "Dataset", "DatasetError", "DatasetItem", "DatasetStream", "RatingBlock", "Ratings", "WholeUsers",
    "detect_format", "open_dataset", "read_dataset",
]  # fmt: skip

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


@dataclass(frozen=True)
class DatasetStream:
    """A dataset whose items are read and whose ratings come as blocks, read (and checked) while they are
    consumed: how a database import takes ml-25m without holding its ratings in memory."""

    source: str
    format: str
    items: list[DatasetItem]
    ratings_file: str
    blocks: Callable[[], Iterable[RatingBlock]]  # a fresh iterator per call
    user_key: Callable[[int], str]  # a block's user code -> the user's id in the files


def open_dataset(directory: Path | str, *, source: str | None = None, show_progress: bool = False) -> DatasetStream:
    """The dataset in `directory` as a stream: ml-latest CSV ratings are read block by block; the smaller
    formats are read whole and come as one block. Raises DatasetError as read_dataset does."""
    directory = Path(directory)
    reader = detect_format(directory)
    if reader is not movielens_csv:
        dataset = read_dataset(directory, source=source, show_progress=show_progress)
        ratings = dataset.ratings
        block = RatingBlock(
            ratings.user_idx, ratings.item_idx, np.round(ratings.values * 2).astype(np.int16), ratings.timestamps
        )
        return DatasetStream(
            dataset.source, dataset.format, dataset.items, "ratings", lambda: [block], ratings.user_keys.__getitem__
        )
    try:
        items = movielens_csv.read_items(directory, show_progress=show_progress)
    except OSError as exc:
        raise DatasetError(Path(exc.filename or directory).name, f"cannot be read ({exc.strerror})") from None
    return DatasetStream(
        source=source or movielens_csv.DEFAULT_SOURCE,
        format=movielens_csv.FORMAT,
        items=items,
        ratings_file="ratings.csv",
        blocks=lambda: movielens_csv.read_rating_blocks(directory, items, show_progress=show_progress),
        user_key=str,
    )


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

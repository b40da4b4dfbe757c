"""Shared pieces of the dataset readers: the parsed dataset, validation, and line-numbered reading.

Readers parse and validate a whole dataset before anything is written, so a bad file is reported
with its name, line and reason and never leaves a half-import behind. Nothing here imports Django:
the offline evaluation reads datasets with the same code.
"""

import math
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

# The rating grid of feedback.models, repeated here because this package stays free of Django.
RATING_MIN = 0.5
RATING_MAX = 5.0
NO_TIMESTAMP = -1
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second a datetime can hold
MAX_TITLE_LENGTH = 255  # catalog.Item.title
MAX_ID_LENGTH = 64  # catalog.Item.source_id

# Genre spellings differ between MovieLens releases; these map them onto one category name.
# None means "no genre at all".
GENRE_ALIASES: dict[str, str | None] = {
    "(no genres listed)": None,
    "unknown": None,
    "Children's": "Children",
}

_TITLE_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?)?\)\s*$")


class DatasetError(Exception):
    """A dataset that cannot be imported; the message names the file, the line and the reason."""

    def __init__(self, file: str, reason: str, line: int | None = None):
        self.file, self.reason, self.line = file, reason, line
        where = f"{file} line {line}" if line is not None else file
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class DatasetItem:
    source_id: str
    title: str
    year: int | None
    categories: tuple[str, ...] = ()
    keywords: str = ""
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ratings:
    """Ratings as parallel arrays; user_idx/item_idx index `user_keys` and the dataset's items."""

    user_keys: list[str]
    user_idx: np.ndarray
    item_idx: np.ndarray
    values: np.ndarray
    timestamps: np.ndarray  # seconds since the epoch, NO_TIMESTAMP where the file has none

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Dataset:
    """A parsed, validated dataset. `source` namespaces its item ids and user names."""

    source: str
    format: str
    items: list[DatasetItem]
    ratings: Ratings


def split_title_year(raw: str) -> tuple[str, int | None]:
    """'Toy Story (1995)' -> ('Toy Story', 1995); a series' '(2016-)' or '(2006-2007)' keeps its first year."""
    raw = raw.strip()
    match = _TITLE_YEAR.match(raw)
    if match and match.group("title"):
        return match.group("title"), int(match.group("year"))
    return raw, None


def canonical_genres(names: list[str]) -> tuple[str, ...]:
    result: list[str] = []
    for name in names:
        name = GENRE_ALIASES.get(name.strip(), name.strip())
        if name and name not in result:
            result.append(name)
    return tuple(result)


def year_or_none(text: str) -> int | None:
    """A year column's value; real files hold placeholders ('unknown', '') that mean no year."""
    text = text.strip()
    if text.isdigit() and 1800 <= int(text) <= 2200:
        return int(text)
    return None


def parse_int(text: str, what: str, *, file: str, line: int) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise DatasetError(file, f"{what} {text!r} is not a whole number", line) from None


def parse_rating(text: str, *, file: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(file, f"rating {text!r} is not a number", line) from None
    if not math.isfinite(value) or not RATING_MIN <= value <= RATING_MAX:
        raise DatasetError(file, f"rating {text.strip()} is outside {RATING_MIN}-{RATING_MAX}", line)
    if value * 2 != int(value * 2):
        raise DatasetError(file, f"rating {text.strip()} is not a multiple of 0.5", line)
    return value


def read_lines(path: Path, *, legacy_encoding: bool = False, show_progress: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (line number, text without the newline), decoding each line as UTF-8.

    `legacy_encoding` is for the old ml-100k and ml-1m files, written in Latin-1: a line that is
    not UTF-8 is read as Latin-1. Otherwise such a line is an error naming it.
    """
    with (
        path.open("rb") as handle,
        tqdm(
            total=path.stat().st_size,
            desc=path.name,
            unit="B",
            unit_scale=True,
            disable=not show_progress,
            leave=False,
        ) as bar,
    ):
        for number, raw in enumerate(handle, start=1):
            bar.update(len(raw))
            if b"\x00" in raw:
                raise DatasetError(path.name, "contains a NUL byte (is it a text file?)", number)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if not legacy_encoding:
                    raise DatasetError(
                        path.name,
                        f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                        number,
                    ) from None
                text = raw.decode("latin-1")
            yield number, text.rstrip("\r\n")


def delimited_rows(
    path: Path,
    separator: str,
    *,
    columns: int | None,
    legacy_encoding: bool = False,
    show_progress: bool = False,
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) for each non-blank line, checking the column count if given."""
    for line, text in read_lines(path, legacy_encoding=legacy_encoding, show_progress=show_progress):
        if not text.strip():
            continue
        fields = text.split(separator)
        if columns is not None:
            check_columns(fields, columns, file=path.name, line=line)
        yield line, fields


def read_delimited_ratings(
    path: Path, separator: str, *, items: list[DatasetItem], item_file: str, show_progress: bool = False
) -> Ratings:
    """The `user, item, rating, timestamp` files of ml-100k (u.data) and ml-1m (ratings.dat)."""
    ratings = RatingsBuilder(items, path.name, item_file=item_file)
    rows = delimited_rows(path, separator, columns=4, legacy_encoding=True, show_progress=show_progress)
    for line, (user, item, rating, timestamp) in rows:
        ratings.add(
            line=line,
            user=str(parse_int(user, "user id", file=path.name, line=line)),
            item=str(parse_int(item, "item id", file=path.name, line=line)),
            rating=rating,
            timestamp=timestamp,
        )
    return ratings.build()


def require_file(directory: Path, name: str) -> Path:
    path = directory / name
    if not path.is_file():
        raise DatasetError(name, f"is missing from {directory}")
    return path


class RatingsBuilder:
    """Collects validated ratings into compact arrays (ml-25m has 25 million of them)."""

    def __init__(self, items: list[DatasetItem], file: str, *, item_file: str):
        self.file, self.item_file = file, item_file
        self._item_codes = {item.source_id: code for code, item in enumerate(items)}
        self._user_codes: dict[str, int] = {}
        self._users = array("q")
        self._items = array("q")
        self._values = array("d")
        self._timestamps = array("q")

    def add(self, *, line: int, user: str, item: str, rating: str, timestamp: str | None) -> None:
        item_code = self._item_codes.get(item)
        if item_code is None:
            raise DatasetError(self.file, f"item id {item!r} is not in {self.item_file}", line)
        if not user:
            raise DatasetError(self.file, "user id is empty", line)
        value = parse_rating(rating, file=self.file, line=line)
        seconds = parse_timestamp(timestamp, file=self.file, line=line)
        self._users.append(self._user_codes.setdefault(user, len(self._user_codes)))
        self._items.append(item_code)
        self._values.append(value)
        self._timestamps.append(seconds)

    def rows(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every row added, in order, duplicates included: user keys, and user codes (indexing them),
        item codes, values and timestamps."""
        users = np.frombuffer(self._users, dtype=np.int64) if self._users else np.zeros(0, np.int64)
        items = np.frombuffer(self._items, dtype=np.int64) if self._items else np.zeros(0, np.int64)
        values = np.frombuffer(self._values, dtype=np.float64) if self._values else np.zeros(0)
        stamps = np.frombuffer(self._timestamps, dtype=np.int64) if self._timestamps else np.zeros(0, np.int64)
        return list(self._user_codes), users, items, values, stamps

    def build(self) -> Ratings:
        _, users, items, values, stamps = self.rows()
        # A (user, item) pair rated twice keeps its last line, as a re-rating would.
        pair = users * max(len(self._item_codes), 1) + items
        _, last_from_end = np.unique(pair[::-1], return_index=True)
        keep = np.sort(len(pair) - 1 - last_from_end)
        return Ratings(
            user_keys=list(self._user_codes),
            user_idx=users[keep].copy(),
            item_idx=items[keep].copy(),
            values=values[keep].copy(),
            timestamps=stamps[keep].copy(),
        )


def parse_timestamp(text: str | None, *, file: str, line: int) -> int:
    """Epoch seconds, NO_TIMESTAMP for an empty field."""
    if text is None or not text.strip():
        return NO_TIMESTAMP
    seconds = int(_parse_number(text, "timestamp", file=file, line=line))
    if not 0 <= seconds <= MAX_TIMESTAMP:
        raise DatasetError(file, f"timestamp {text.strip()} is out of range", line)
    return seconds


def _parse_number(text: str, what: str, *, file: str, line: int) -> float:
    try:
        number = float(text)
    except ValueError:
        raise DatasetError(file, f"{what} {text!r} is not a number", line) from None
    if not math.isfinite(number):
        raise DatasetError(file, f"{what} {text!r} is not a number", line)
    return number


def check_columns(fields: list[str], expected: int, *, file: str, line: int) -> None:
    if len(fields) != expected:
        raise DatasetError(file, f"expected {expected} columns, found {len(fields)}", line)


class ItemCollector:
    """Collects an item file's items, refusing an id that appears twice."""

    def __init__(self, file: str):
        self.file = file
        self.items: list[DatasetItem] = []
        self._lines: dict[str, int] = {}

    def add(self, item: DatasetItem, *, line: int) -> None:
        if not item.source_id or len(item.source_id) > MAX_ID_LENGTH:
            raise DatasetError(self.file, f"item id must be 1-{MAX_ID_LENGTH} characters long", line)
        if not item.title or len(item.title) > MAX_TITLE_LENGTH:
            raise DatasetError(self.file, f"title must be 1-{MAX_TITLE_LENGTH} characters long", line)
        first = self._lines.setdefault(item.source_id, line)
        if first != line:
            raise DatasetError(self.file, f"item id {item.source_id!r} appears again (first on line {first})", line)
        self.items.append(item)

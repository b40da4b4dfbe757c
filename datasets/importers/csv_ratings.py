"""ratings.csv of the MovieLens CSV releases, read a block of about a million lines at a time.

numpy parses each block (np.loadtxt), so ml-25m's 25 million lines never become Python objects and
memory is bounded by the block. A block the fast parser refuses, or whose values fail a check, is read
again line by line with RatingsBuilder's checks: an error names the same line and reason as ever
(`ratings.csv line 100838: rating 7.5 is outside 0.5-5.0`), and odd but valid lines (quoted fields,
timestamps written as floats, blank lines) are read as ever. No Django here.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from datasets.importers.base import (
    MAX_TIMESTAMP,
    DatasetError,
    DatasetItem,
    Ratings,
    RatingsBuilder,
    parse_int,
)

COLUMNS = ("userId", "movieId", "rating", "timestamp")
BLOCK_BYTES = 32 << 20  # about 1.2 million lines of ml-25m
_ODD_BYTES = (b'"', b"\x00", b"\n\n", b"\n\r\n")  # quoting, NUL, blank lines: read line by line


@dataclass(frozen=True)
class RatingBlock:
    """Consecutive ratings of a file, in file order."""

    users: np.ndarray  # int64 user codes (for ratings.csv the userId; the user's key is str(userId))
    items: np.ndarray  # int64 index into the dataset's items
    halves: np.ndarray  # int16 rating times two, 1..10
    stamps: np.ndarray  # int64 epoch seconds, NO_TIMESTAMP where the file has none
    end_line: int = 0  # the last line read
    end_byte: int = 0  # bytes read so far

    def __len__(self) -> int:
        return len(self.users)

    def rows(self, keep) -> "RatingBlock":
        return RatingBlock(
            self.users[keep], self.items[keep], self.halves[keep], self.stamps[keep], self.end_line, self.end_byte
        )


def header_columns(path: Path, raw: bytes, required: tuple[str, ...]) -> list[str]:
    """The column names of a CSV file's first line, refusing a header that lacks a required column."""
    if not raw.strip():
        raise DatasetError(path.name, "is empty")
    text = _decoded(raw, path.name, 1)
    try:
        header = next(csv.reader([text]))
    except csv.Error as exc:
        raise DatasetError(path.name, f"is not valid CSV ({exc})", 1) from None
    missing = [name for name in required if name not in header]
    if missing:
        raise DatasetError(path.name, f"header lacks column(s) {', '.join(missing)}", 1)
    return header


def rating_blocks(
    path: Path, items: list[DatasetItem], *, item_file: str, show_progress: bool = False, block_bytes: int = 0
) -> Iterator[RatingBlock]:
    """Validated blocks of ratings.csv (of about `block_bytes`, default BLOCK_BYTES); a bad line raises
    DatasetError naming it."""
    block_bytes = block_bytes or BLOCK_BYTES
    reader = _BlockReader(path, items, item_file)
    with (
        path.open("rb") as handle,
        tqdm(total=path.stat().st_size, desc=path.name, unit="B", unit_scale=True, disable=not show_progress,
             leave=False) as bar,
    ):  # fmt: skip
        first = handle.readline()
        reader.start(first)
        line, offset, rest = 1, len(first), b""
        while True:
            data = handle.read(block_bytes)
            buffer = rest + data
            if not buffer:
                return
            cut = buffer.rfind(b"\n") + 1 if data else len(buffer)
            if cut == 0:  # a line longer than a block: read on
                rest = buffer
                continue
            block, rest = buffer[:cut], buffer[cut:]
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            offset += len(block)
            bar.update(len(block))
            parsed = reader.parse(block, first_line=line + 1, lines=lines, end_byte=offset)
            line += lines
            if len(parsed):
                yield parsed


def ratings_from_blocks(blocks, *, item_count: int) -> Ratings:
    """All blocks as one Ratings, as RatingsBuilder.build makes it: users coded in order of first
    appearance, and a pair rated twice keeping its last line."""
    blocks = list(blocks)
    users = np.concatenate([b.users for b in blocks]) if blocks else np.zeros(0, np.int64)
    items = np.concatenate([b.items for b in blocks]) if blocks else np.zeros(0, np.int64)
    halves = np.concatenate([b.halves for b in blocks]) if blocks else np.zeros(0, np.int16)
    stamps = np.concatenate([b.stamps for b in blocks]) if blocks else np.zeros(0, np.int64)
    distinct, first, inverse = np.unique(users, return_index=True, return_inverse=True)
    appearance = np.argsort(first, kind="stable")
    code_of = np.empty(len(distinct), np.int64)
    code_of[appearance] = np.arange(len(distinct))
    codes = code_of[inverse]
    pair = codes * max(item_count, 1) + items
    _, last_from_end = np.unique(pair[::-1], return_index=True)
    keep = np.sort(len(pair) - 1 - last_from_end)
    return Ratings(
        user_keys=[str(user) for user in distinct[appearance].tolist()],
        user_idx=codes[keep],
        item_idx=items[keep],
        values=halves[keep] / 2.0,
        timestamps=stamps[keep],
    )


class WholeUsers:
    """Blocks re-cut so that a user's consecutive rows stay in one block (the last user's rows of a block
    move on to the next), with a pair rated twice within a block kept once, from its later line.

    In a file grouped by user, as every MovieLens release is, no pair can then repeat across blocks.
    After iterating, `users` holds every user code seen and `spanning` those whose rows came in more than
    one block (the only ones that can still hold a pair twice, which the caller resolves: the later
    block wins).
    """

    def __init__(self, blocks):
        self.blocks = blocks
        self.users: set[int] = set()
        self.spanning: set[int] = set()

    def __iter__(self) -> Iterator[RatingBlock]:
        carry = None
        for block in self.blocks:
            if carry is not None:
                block = _joined(carry, block)
            differs = np.flatnonzero(block.users != block.users[-1])
            if differs.size == 0:  # one user so far: read on
                carry = block
                continue
            cut = int(differs[-1]) + 1
            carry = block.rows(slice(cut, None))
            yield self._once(block.rows(slice(0, cut)))
        if carry is not None:
            yield self._once(carry)

    def _once(self, block: RatingBlock) -> RatingBlock:
        users = np.unique(block.users).tolist()
        self.spanning.update(user for user in users if user in self.users)
        self.users.update(users)
        if len(block) < 2:
            return block
        order = np.lexsort((np.arange(len(block)), block.items, block.users))
        users, items = block.users[order], block.items[order]
        repeated = (users[1:] == users[:-1]) & (items[1:] == items[:-1])
        if not repeated.any():
            return block
        keep = np.ones(len(block), bool)
        keep[order[:-1][repeated]] = False  # an earlier line of a pair that comes again
        return block.rows(keep)


def _joined(first: RatingBlock, second: RatingBlock) -> RatingBlock:
    return RatingBlock(
        *(np.concatenate([a, b]) for a, b in zip(
            (first.users, first.items, first.halves, first.stamps),
            (second.users, second.items, second.halves, second.stamps), strict=True)),
        end_line=second.end_line,
        end_byte=second.end_byte,
    )  # fmt: skip


class _BlockReader:
    def __init__(self, path: Path, items: list[DatasetItem], item_file: str):
        self.path, self.items, self.item_file = path, items, item_file
        ids = np.array([int(item.source_id) for item in items], np.int64)  # movieIds are whole numbers
        self.order = np.argsort(ids, kind="stable")
        self.sorted_ids = ids[self.order]

    def start(self, first_line: bytes) -> None:
        self.header = header_columns(self.path, first_line, COLUMNS)
        self.usecols = [self.header.index(name) for name in COLUMNS]

    def parse(self, block: bytes, *, first_line: int, lines: int, end_byte: int) -> RatingBlock:
        parsed = self._fast(block, lines) or self._slow(block, first_line)
        return RatingBlock(*parsed, end_line=first_line + lines - 1, end_byte=end_byte)

    def _fast(self, block: bytes, lines: int):
        if any(odd in block for odd in _ODD_BYTES) or block.startswith((b"\n", b"\r")) or not block.isascii():
            return None
        if block.count(b"\r") != block.count(b"\r\n"):  # CR only as part of CRLF line ends
            return None
        if block.count(b",") != (len(self.header) - 1) * lines:
            return None
        dtype = [("user", "i8"), ("item", "i8"), ("rating", "f8"), ("stamp", "i8")]
        try:
            table = np.loadtxt(io.BytesIO(block), delimiter=",", dtype=dtype, usecols=self.usecols, comments=None,
                               ndmin=1)  # fmt: skip
        except ValueError:
            return None
        doubled = table["rating"] * 2
        slot = np.minimum(np.searchsorted(self.sorted_ids, table["item"]), len(self.sorted_ids) - 1)
        valid = (
            (doubled == np.round(doubled))
            & (doubled >= 1)
            & (doubled <= 10)
            & (table["stamp"] >= 0)
            & (table["stamp"] <= MAX_TIMESTAMP)
        )
        if len(self.sorted_ids) == 0 or not (valid.all() and (self.sorted_ids[slot] == table["item"]).all()):
            return None
        return table["user"].copy(), self.order[slot], doubled.astype(np.int16), table["stamp"].copy()

    def _slow(self, block: bytes, first_line: int):
        """The block line by line with the reference checks; raises on the first bad line."""
        name = self.path.name
        builder = RatingsBuilder(self.items, name, item_file=self.item_file)
        texts = (_decoded(raw, name, first_line + n) + "\n" for n, raw in enumerate(_lines(block)))
        reader = csv.reader(texts)
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise DatasetError(name, f"is not valid CSV ({exc})", first_line - 1 + reader.line_num) from None
            line = first_line - 1 + reader.line_num
            if not fields:
                continue
            if len(fields) != len(self.header):
                raise DatasetError(name, f"expected {len(self.header)} columns, found {len(fields)}", line)
            user, item, rating, stamp = (fields[column] for column in self.usecols)
            builder.add(
                line=line,
                user=str(parse_int(user, "userId", file=name, line=line)),
                item=str(parse_int(item, "movieId", file=name, line=line)),
                rating=rating,
                timestamp=stamp,
            )
        keys, codes, items, values, stamps = builder.rows()
        try:
            users = np.array([int(key) for key in keys], np.int64)[codes] if keys else np.zeros(0, np.int64)
        except OverflowError:
            raise DatasetError(name, "a userId is larger than 9223372036854775807") from None
        return users, items, (values * 2).astype(np.int16), stamps


def _lines(block: bytes) -> list[bytes]:
    lines = block.split(b"\n")
    return lines[:-1] if block.endswith(b"\n") else lines


def _decoded(raw: bytes, file: str, line: int) -> str:
    """A line as read_lines reads it: no NUL, UTF-8, without its line ending."""
    if b"\x00" in raw:
        raise DatasetError(file, "contains a NUL byte (is it a text file?)", line)
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise DatasetError(file, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                           line) from None  # fmt: skip

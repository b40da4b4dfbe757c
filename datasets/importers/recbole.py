"""RecBole atomic files: `<name>.item` and `<name>.inter`, tab-separated with `field:type` headers.

Sequence fields (`token_seq`) are space-separated, as RecBole writes them.
"""

from collections.abc import Iterator
from pathlib import Path

from datasets.importers.base import (
    Dataset,
    DatasetError,
    DatasetItem,
    ItemCollector,
    RatingsBuilder,
    canonical_genres,
    delimited_rows,
    read_lines,
    split_title_year,
    year_or_none,
)

FORMAT = "recbole"
TITLE_FIELDS = ("movie_title", "title", "name")
YEAR_FIELDS = ("release_year", "year")
CATEGORY_FIELDS = ("class", "genre", "genres", "categories")


def matches(directory: Path) -> bool:
    return any(directory.glob("*.inter"))


def dataset_name(directory: Path) -> str:
    """The `<name>` shared by the .inter and .item files; it is also the default source."""
    names = sorted(path.stem for path in directory.glob("*.inter"))
    if len(names) != 1:
        raise DatasetError(directory.name, f"holds {len(names)} .inter files ({', '.join(names)}); expected one")
    return names[0]


def read(directory: Path, *, source: str, show_progress: bool = False) -> Dataset:
    name = dataset_name(directory)
    items_path, ratings_path = directory / f"{name}.item", directory / f"{name}.inter"
    if not items_path.is_file():
        raise DatasetError(items_path.name, f"is missing from {directory} (titles come from it)")

    collector = ItemCollector(items_path.name)
    rows = _rows(items_path, show_progress=False)
    columns = next(rows)
    id_column = _column(columns, ("item_id",), items_path.name, required=True)
    title_column = _column(columns, TITLE_FIELDS, items_path.name, required=True)
    year_column = _column(columns, YEAR_FIELDS, items_path.name)
    category_column = _column(columns, CATEGORY_FIELDS, items_path.name)
    for line, fields in rows:
        title, year = split_title_year(fields[title_column])
        if year_column is not None:
            year = year_or_none(fields[year_column]) or year
        collector.add(
            DatasetItem(
                source_id=fields[id_column].strip(),
                title=title,
                year=year,
                categories=canonical_genres(fields[category_column].split()) if category_column is not None else (),
            ),
            line=line,
        )

    ratings = RatingsBuilder(collector.items, ratings_path.name, item_file=items_path.name)
    rows = _rows(ratings_path, show_progress=show_progress)
    columns = next(rows)
    user_column = _column(columns, ("user_id",), ratings_path.name, required=True)
    item_column = _column(columns, ("item_id",), ratings_path.name, required=True)
    rating_column = _column(columns, ("rating",), ratings_path.name, required=True)
    time_column = _column(columns, ("timestamp",), ratings_path.name)
    for line, fields in rows:
        ratings.add(
            line=line,
            user=fields[user_column].strip(),
            item=fields[item_column].strip(),
            rating=fields[rating_column],
            timestamp=fields[time_column] if time_column is not None else None,
        )
    return Dataset(source=source, format=FORMAT, items=collector.items, ratings=ratings.build())


def _rows(path: Path, *, show_progress: bool) -> Iterator:
    """First the header's field names (types dropped), then (line, fields) for each record."""
    lines = read_lines(path)
    try:
        _, header = next(lines)
    except StopIteration:
        raise DatasetError(path.name, "is empty") from None
    finally:
        lines.close()
    columns = [field.split(":", 1)[0].strip() for field in header.split("\t")]
    yield columns
    for line, fields in delimited_rows(path, "\t", columns=len(columns), show_progress=show_progress):
        if line > 1:
            yield line, fields


def _column(columns: list[str], names: tuple[str, ...], file: str, *, required: bool = False) -> int | None:
    for name in names:
        if name in columns:
            return columns.index(name)
    if required:
        raise DatasetError(file, f"header lacks a {' or '.join(names)} field", 1)
    return None

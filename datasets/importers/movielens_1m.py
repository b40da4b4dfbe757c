"""MovieLens 1M and 10M: movies.dat and ratings.dat, fields separated by '::' (Latin-1 text)."""

from pathlib import Path

from datasets.importers.base import (
    Dataset,
    DatasetItem,
    ItemCollector,
    canonical_genres,
    delimited_rows,
    parse_int,
    read_delimited_ratings,
    require_file,
    split_title_year,
)

FORMAT = "ml-1m"
DEFAULT_SOURCE = "ml-1m"
SEPARATOR = "::"


def matches(directory: Path) -> bool:
    return (directory / "movies.dat").is_file() or (directory / "ratings.dat").is_file()


def read(directory: Path, *, source: str, show_progress: bool = False) -> Dataset:
    items_path = require_file(directory, "movies.dat")
    ratings_path = require_file(directory, "ratings.dat")

    collector = ItemCollector(items_path.name)
    for line, fields in delimited_rows(items_path, SEPARATOR, columns=3, legacy_encoding=True):
        title, year = split_title_year(fields[1])
        collector.add(
            DatasetItem(
                source_id=str(parse_int(fields[0], "MovieID", file=items_path.name, line=line)),
                title=title,
                year=year,
                categories=canonical_genres(fields[2].split("|")),
            ),
            line=line,
        )

    ratings = read_delimited_ratings(
        ratings_path, SEPARATOR, items=collector.items, item_file=items_path.name, show_progress=show_progress
    )
    return Dataset(source=source, format=FORMAT, items=collector.items, ratings=ratings)

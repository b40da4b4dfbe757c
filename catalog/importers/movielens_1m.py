"""MovieLens 1M and 10M: movies.dat and ratings.dat, fields separated by '::' (Latin-1 text)."""

from pathlib import Path

from catalog.importers.base import (
    Dataset,
    DatasetItem,
    ItemCollector,
    RatingsBuilder,
    canonical_genres,
    check_columns,
    parse_int,
    read_lines,
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
    for line, text in read_lines(items_path, legacy_encoding=True):
        if not text.strip():
            continue
        fields = text.split(SEPARATOR)
        check_columns(fields, 3, file=items_path.name, line=line)
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

    ratings = RatingsBuilder(collector.items, ratings_path.name, item_file=items_path.name)
    for line, text in read_lines(ratings_path, legacy_encoding=True, show_progress=show_progress):
        if not text.strip():
            continue
        fields = text.split(SEPARATOR)
        check_columns(fields, 4, file=ratings_path.name, line=line)
        ratings.add(
            line=line,
            user=str(parse_int(fields[0], "UserID", file=ratings_path.name, line=line)),
            item=str(parse_int(fields[1], "MovieID", file=ratings_path.name, line=line)),
            rating=fields[2],
            timestamp=fields[3],
        )
    return Dataset(source=source, format=FORMAT, items=collector.items, ratings=ratings.build())

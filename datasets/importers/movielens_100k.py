"""MovieLens 100K (ml-100k): u.item (pipe-separated, Latin-1) and u.data (tab-separated)."""

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

FORMAT = "ml-100k"
DEFAULT_SOURCE = "ml-100k"
# The genre flag columns of u.item, in order, when the directory has no u.genre.
GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
FIXED_COLUMNS = 5  # id, title, release date, video release date, IMDb URL


def matches(directory: Path) -> bool:
    return (directory / "u.item").is_file() or (directory / "u.data").is_file()


def read(directory: Path, *, source: str, show_progress: bool = False) -> Dataset:
    items_path = require_file(directory, "u.item")
    ratings_path = require_file(directory, "u.data")
    genres = _genres(directory / "u.genre")

    collector = ItemCollector(items_path.name)
    rows = delimited_rows(items_path, "|", columns=FIXED_COLUMNS + len(genres), legacy_encoding=True)
    for line, fields in rows:
        title, year = split_title_year(fields[1])
        release_date = fields[2].strip()
        if year is None and release_date[-4:].isdigit():
            year = int(release_date[-4:])
        flags = fields[FIXED_COLUMNS:]
        collector.add(
            DatasetItem(
                source_id=str(parse_int(fields[0], "movie id", file=items_path.name, line=line)),
                title=title,
                year=year,
                categories=canonical_genres([g for g, flag in zip(genres, flags, strict=True) if flag.strip() == "1"]),
                external_ids={"imdb_url": fields[4].strip()} if fields[4].strip() else {},
            ),
            line=line,
        )

    ratings = read_delimited_ratings(
        ratings_path, "\t", items=collector.items, item_file=items_path.name, show_progress=show_progress
    )
    return Dataset(source=source, format=FORMAT, items=collector.items, ratings=ratings)


def _genres(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        return GENRES
    return tuple(fields[0] for _, fields in delimited_rows(path, "|", columns=None, legacy_encoding=True))

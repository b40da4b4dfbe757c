"""MovieLens 100K (ml-100k): u.item (pipe-separated, Latin-1) and u.data (tab-separated)."""

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
    for line, text in read_lines(items_path, legacy_encoding=True):
        if not text.strip():
            continue
        fields = text.split("|")
        check_columns(fields, FIXED_COLUMNS + len(genres), file=items_path.name, line=line)
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

    ratings = RatingsBuilder(collector.items, ratings_path.name, item_file=items_path.name)
    for line, text in read_lines(ratings_path, legacy_encoding=True, show_progress=show_progress):
        if not text.strip():
            continue
        fields = text.split("\t")
        check_columns(fields, 4, file=ratings_path.name, line=line)
        ratings.add(
            line=line,
            user=str(parse_int(fields[0], "user id", file=ratings_path.name, line=line)),
            item=str(parse_int(fields[1], "item id", file=ratings_path.name, line=line)),
            rating=fields[2],
            timestamp=fields[3],
        )
    return Dataset(source=source, format=FORMAT, items=collector.items, ratings=ratings.build())


def _genres(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        return GENRES
    names = [text.split("|")[0] for _, text in read_lines(path, legacy_encoding=True) if text.strip()]
    return tuple(names)

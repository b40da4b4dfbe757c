"""MovieLens CSV releases (ml-latest, ml-latest-small, ml-25m, ml-20m).

movies.csv and ratings.csv are required; tags.csv feeds item keywords and links.csv external ids.
"""

import csv
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from datasets.importers.base import (
    Dataset,
    DatasetError,
    DatasetItem,
    ItemCollector,
    canonical_genres,
    parse_int,
    read_lines,
    require_file,
    split_title_year,
)
from datasets.importers.csv_ratings import rating_blocks, ratings_from_blocks

FORMAT = "movielens-csv"
DEFAULT_SOURCE = "ml"


def matches(directory: Path) -> bool:
    return (directory / "movies.csv").is_file() or (directory / "ratings.csv").is_file()


def read(directory: Path, *, source: str, show_progress: bool = False) -> Dataset:
    items = read_items(directory, show_progress=show_progress)
    blocks = read_rating_blocks(directory, items, show_progress=show_progress)
    ratings = ratings_from_blocks(blocks, item_count=len(items))
    return Dataset(source=source, format=FORMAT, items=items, ratings=ratings)


def read_items(directory: Path, *, show_progress: bool = False) -> list[DatasetItem]:
    """movies.csv with its tags (as keywords) and links (as external ids); ratings.csv must exist too."""
    movies_path = require_file(directory, "movies.csv")
    require_file(directory, "ratings.csv")

    collector = ItemCollector(movies_path.name)
    for line, row in _rows(movies_path, ("movieId", "title", "genres"), show_progress):
        title, year = split_title_year(row["title"])
        collector.add(
            DatasetItem(
                source_id=_movie_id(row["movieId"], movies_path.name, line),
                title=title,
                year=year,
                categories=canonical_genres(row["genres"].split("|")),
            ),
            line=line,
        )
    known_ids = {item.source_id for item in collector.items}

    keywords = _read_tags(directory / "tags.csv", known_ids, show_progress)
    external_ids = _read_links(directory / "links.csv", known_ids, show_progress)
    return [
        dataclasses.replace(
            item,
            keywords=keywords.get(item.source_id, ""),
            external_ids=external_ids.get(item.source_id, {}),
        )
        for item in collector.items
    ]


def read_rating_blocks(directory: Path, items: list[DatasetItem], *, show_progress: bool = False):
    """ratings.csv as validated blocks (csv_ratings.RatingBlock); user codes are the userIds."""
    path = require_file(directory, "ratings.csv")
    return rating_blocks(path, items, item_file="movies.csv", show_progress=show_progress)


def _movie_id(text: str, file: str, line: int) -> str:
    return str(parse_int(text, "movieId", file=file, line=line))


def _rows(path: Path, required: tuple[str, ...], show_progress: bool) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {column: value}) for each record, checking the header and column count."""
    lines = (text + "\n" for _, text in read_lines(path, show_progress=show_progress))
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError(path.name, "is empty") from None
    except csv.Error as exc:
        raise DatasetError(path.name, f"is not valid CSV ({exc})", 1) from None
    missing = [name for name in required if name not in header]
    if missing:
        raise DatasetError(path.name, f"header lacks column(s) {', '.join(missing)}", 1)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DatasetError(path.name, f"is not valid CSV ({exc})", reader.line_num) from None
        if not fields:
            continue
        if len(fields) != len(header):
            raise DatasetError(path.name, f"expected {len(header)} columns, found {len(fields)}", reader.line_num)
        yield reader.line_num, dict(zip(header, fields, strict=True))


def _read_tags(path: Path, known_ids: set[str], show_progress: bool) -> dict[str, str]:
    """Each item's distinct tags, most used first, as one comma-separated string."""
    if not path.is_file():
        return {}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    spelling: dict[tuple[str, str], str] = {}
    for line, row in _rows(path, ("movieId", "tag"), show_progress):
        movie_id = _known(_movie_id(row["movieId"], path.name, line), known_ids, path.name, line)
        tag = " ".join(row["tag"].split())
        if tag:
            key = tag.casefold()
            spelling.setdefault((movie_id, key), tag)
            counts[movie_id][key] += 1
    return {
        movie_id: ", ".join(spelling[(movie_id, key)] for key, _ in counter.most_common())
        for movie_id, counter in counts.items()
    }


def _read_links(path: Path, known_ids: set[str], show_progress: bool) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    links: dict[str, dict[str, str]] = {}
    for line, row in _rows(path, ("movieId", "imdbId", "tmdbId"), show_progress):
        movie_id = _known(_movie_id(row["movieId"], path.name, line), known_ids, path.name, line)
        ids = {"imdb": row["imdbId"].strip(), "tmdb": row["tmdbId"].strip()}
        links[movie_id] = {name: value for name, value in ids.items() if value}
    return links


def _known(movie_id: str, known_ids: set[str], file: str, line: int) -> str:
    if movie_id not in known_ids:
        raise DatasetError(file, f"movieId {movie_id} is not in movies.csv", line)
    return movie_id

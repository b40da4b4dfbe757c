"""The dataset readers on small files written here; no database."""

import numpy as np
import pytest

from datasets.importers import DatasetError, read_dataset
from datasets.importers.base import split_title_year
from tests.dataset_files import MOVIES, RATINGS, write_csv, write_ml1m, write_ml100k, write_recbole


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Toy Story (1995)", ("Toy Story", 1995)),
        ("American President, The (1995)", ("American President, The", 1995)),
        ("City of Lost Children, The (Cité des enfants perdus, La) (1995)",
         ("City of Lost Children, The (Cité des enfants perdus, La)", 1995)),
        ("Stranger Things (2016-)", ("Stranger Things", 2016)),
        ("Fawlty Towers (1975-1979)", ("Fawlty Towers", 1975)),
        ("Babylon 5", ("Babylon 5", None)),
        ("  Moonlight  ", ("Moonlight", None)),
        ("(500) Days of Summer (2009)", ("(500) Days of Summer", 2009)),
        ("1984 (1956)", ("1984", 1956)),
    ],
)  # fmt: skip
def test_split_title_year(raw, expected):
    assert split_title_year(raw) == expected


def _by_id(dataset):
    return {item.source_id: item for item in dataset.items}


@pytest.mark.parametrize(
    ("writer", "fmt", "source"),
    [
        (write_csv, "movielens-csv", "ml"),
        (write_ml100k, "ml-100k", "ml-100k"),
        (write_ml1m, "ml-1m", "ml-1m"),
        (write_recbole, "recbole", "tiny"),
    ],
)
def test_each_format_reads_items_genres_and_ratings(tmp_path, writer, fmt, source):
    dataset = read_dataset(writer(tmp_path / "data"))

    assert (dataset.format, dataset.source) == (fmt, source)
    items = _by_id(dataset)
    assert len(items) == len(MOVIES)
    assert (items["1"].title, items["1"].year) == ("Toy Story", 1995)
    assert items["1"].categories == ("Animation", "Children", "Comedy")  # "Children's" is canonical
    assert items["4"].title == "Amélie"  # Latin-1 in ml-100k/ml-1m, UTF-8 elsewhere
    assert items["3"].categories == ("Horror", "Sci-Fi")
    ratings = dataset.ratings
    assert len(ratings) == len(RATINGS)
    assert sorted(ratings.user_keys) == ["1", "2", "3"]
    rows = {
        (ratings.user_keys[u], dataset.items[i].source_id): v
        for u, i, v in zip(ratings.user_idx, ratings.item_idx, ratings.values, strict=True)
    }
    assert rows[("1", "3")] == 5.0
    assert rows[("1", "1")] == 4.0
    assert ratings.timestamps.min() > 0


def test_csv_tags_become_keywords_most_used_first_and_links_external_ids(tmp_path):
    tags = [("1", "1", "pixar"), ("2", "1", "Fun"), ("3", "1", "fun"), ("1", "3", "  space   horror ")]
    links = [("1", "0114709", "862"), ("3", "0078748", "")]
    items = _by_id(read_dataset(write_csv(tmp_path, tags=tags, links=links)))

    assert items["1"].keywords == "Fun, pixar"
    assert items["3"].keywords == "space horror"
    assert items["1"].external_ids == {"imdb": "0114709", "tmdb": "862"}
    assert items["3"].external_ids == {"imdb": "0078748"}
    assert items["2"].keywords == ""


def test_a_pair_rated_twice_keeps_the_last_line(tmp_path):
    ratings = [("1", "1", "2.0", "10"), ("1", "2", "3.0", "11"), ("1", "1", "4.5", "12")]
    dataset = read_dataset(write_csv(tmp_path, ratings=ratings))

    assert len(dataset.ratings) == 2
    toy_story = np.flatnonzero(dataset.ratings.item_idx == 0)
    assert dataset.ratings.values[toy_story].tolist() == [4.5]
    assert dataset.ratings.timestamps[toy_story].tolist() == [12]


def test_no_genres_listed_means_no_categories(tmp_path):
    movies = [("1", "Hyena Road", [])]
    dataset = read_dataset(write_csv(tmp_path, movies=movies, ratings=[("1", "1", "3.0", "1")]))

    assert dataset.items[0].categories == ()
    assert dataset.items[0].year is None


def test_source_can_be_named(tmp_path):
    assert read_dataset(write_csv(tmp_path), source="site-a").source == "site-a"


def _corrupt_ratings_line(directory, line_number, new_line):
    path = directory / "ratings.csv"
    lines = path.read_text().splitlines()
    lines[line_number - 1] = new_line
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("1,2,7.5,964982703", "ratings.csv line 3: rating 7.5 is outside 0.5-5.0"),
        ("1,2,3.25,964982703", "ratings.csv line 3: rating 3.25 is not a multiple of 0.5"),
        ("1,2,0,964982703", "ratings.csv line 3: rating 0 is outside 0.5-5.0"),
        ("1,2,good,964982703", "ratings.csv line 3: rating 'good' is not a number"),
        ("1,2,nan,964982703", "ratings.csv line 3: rating nan is outside 0.5-5.0"),
        ("1,99,3.0,964982703", "ratings.csv line 3: item id '99' is not in movies.csv"),
        ("1,2,3.0", "ratings.csv line 3: expected 4 columns, found 3"),
        ("1,2,3.0,964982703,extra", "ratings.csv line 3: expected 4 columns, found 5"),
        ("x,2,3.0,964982703", "ratings.csv line 3: userId 'x' is not a whole number"),
        ("1,2,3.0,yesterday", "ratings.csv line 3: timestamp 'yesterday' is not a number"),
        ("1,2,3.0,1e20", "ratings.csv line 3: timestamp 1e20 is out of range"),
        ("1,2,3.0,-5", "ratings.csv line 3: timestamp -5 is out of range"),
    ],
)
def test_bad_rating_lines_are_named_with_file_line_and_reason(tmp_path, bad_line, message):
    write_csv(tmp_path)
    _corrupt_ratings_line(tmp_path, 3, bad_line)

    with pytest.raises(DatasetError) as raised:
        read_dataset(tmp_path)

    assert str(raised.value) == message


def test_invalid_utf8_is_named_with_line_and_byte(tmp_path):
    write_csv(tmp_path)
    movies = tmp_path / "movies.csv"
    movies.write_bytes(movies.read_bytes().replace("Amélie".encode(), "Amélie".encode("latin-1")))

    with pytest.raises(DatasetError, match=r"^movies\.csv line 5: is not valid UTF-8 \(byte 0xe9 at column 6\)$"):
        read_dataset(tmp_path)


def test_duplicate_item_id_is_refused(tmp_path):
    movies = [*MOVIES, ("2", "Heat again (1995)", [])]
    with pytest.raises(DatasetError, match=r"^movies\.csv line 6: item id '2' appears again \(first on line 3\)$"):
        read_dataset(write_csv(tmp_path, movies=movies))


def test_missing_header_column_is_refused(tmp_path):
    write_csv(tmp_path)
    (tmp_path / "movies.csv").write_text("movieId,name,genres\n1,Toy Story (1995),Comedy\n")
    with pytest.raises(DatasetError, match=r"^movies\.csv line 1: header lacks column\(s\) title$"):
        read_dataset(tmp_path)


def test_tag_for_unknown_movie_is_refused(tmp_path):
    with pytest.raises(DatasetError, match=r"^tags\.csv line 2: movieId 42 is not in movies\.csv$"):
        read_dataset(write_csv(tmp_path, tags=[("1", "42", "lost")]))


def test_missing_ratings_file_is_named(tmp_path):
    write_csv(tmp_path)
    (tmp_path / "ratings.csv").unlink()
    with pytest.raises(DatasetError, match=r"^ratings\.csv: is missing from "):
        read_dataset(tmp_path)


def test_directory_without_dataset_files_says_what_it_expected(tmp_path):
    with pytest.raises(DatasetError, match=r"holds no MovieLens or RecBole files \(expected movies\.csv"):
        read_dataset(tmp_path)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(DatasetError, match=r"nowhere: does not exist$"):
        read_dataset(tmp_path / "nowhere")


def test_ml100k_wrong_column_count_is_named(tmp_path):
    write_ml100k(tmp_path)
    (tmp_path / "u.data").write_text("1\t1\t4\n")
    with pytest.raises(DatasetError, match=r"^u\.data line 1: expected 4 columns, found 3$"):
        read_dataset(tmp_path)


def test_ml1m_unknown_item_is_named(tmp_path):
    write_ml1m(tmp_path)
    (tmp_path / "ratings.dat").write_text("1::1::4::1\n1::77::4::1\n")
    with pytest.raises(DatasetError, match=r"^ratings\.dat line 2: item id '77' is not in movies\.dat$"):
        read_dataset(tmp_path)


def test_recbole_needs_a_rating_field(tmp_path):
    write_recbole(tmp_path)
    (tmp_path / "tiny.inter").write_text("user_id:token\titem_id:token\n1\t1\n")
    with pytest.raises(DatasetError, match=r"^tiny\.inter line 1: header lacks a rating field$"):
        read_dataset(tmp_path)


def test_recbole_placeholder_year_means_no_year(tmp_path):
    write_recbole(tmp_path)
    item_file = tmp_path / "tiny.item"
    item_file.write_text(item_file.read_text().replace("\t1979\t", "\tunkonwn\t"))
    assert _by_id(read_dataset(tmp_path))["3"].year is None


def test_too_long_title_is_refused(tmp_path):
    movies = [("1", "x" * 256 + " (1995)", ["Drama"])]
    with pytest.raises(DatasetError, match=r"^movies\.csv line 2: title must be 1-255 characters long$"):
        read_dataset(write_csv(tmp_path, movies=movies, ratings=[("1", "1", "3.0", "1")]))


def test_nul_byte_is_refused(tmp_path):
    write_csv(tmp_path)
    with (tmp_path / "ratings.csv").open("ab") as handle:
        handle.write(b"1,2,3.0,\x001\n")
    with pytest.raises(DatasetError, match=r"^ratings\.csv line 7: contains a NUL byte"):
        read_dataset(tmp_path)

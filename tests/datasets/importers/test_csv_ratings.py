"""ratings.csv read in blocks by numpy: the same ratings as line by line, whatever the block size; no database."""

import pytest

from datasets.importers import DatasetError, WholeUsers, csv_ratings, read_dataset
from datasets.importers.csv_ratings import rating_blocks
from datasets.importers.movielens_csv import read_items
from tests.dataset_files import write_csv

# Users 1-3 grouped, then user 1 again: the pair (1, 1) is rated twice, far apart.
RATINGS = [
    ("1", "1", "2.0", "10"), ("1", "2", "3.0", "11"), ("1", "2", "3.5", "12"),
    ("2", "1", "4.0", "20"), ("2", "3", "4.5", "21"), ("2", "4", "5.0", "22"),
    ("3", "2", "1.0", "30"), ("3", "3", "1.5", "31"),
    ("1", "1", "0.5", "40"),
]  # fmt: skip


def _as_rows(ratings) -> list[tuple]:
    return sorted(
        zip(
            [ratings.user_keys[u] for u in ratings.user_idx.tolist()],
            ratings.item_idx.tolist(),
            ratings.values.tolist(),
            ratings.timestamps.tolist(),
            strict=True,
        )
    )


@pytest.mark.parametrize("block_bytes", [8, 40, 0])
def test_any_block_size_reads_the_same_ratings(tmp_path, block_bytes, monkeypatch):
    whole = _as_rows(read_dataset(write_csv(tmp_path / "a", ratings=RATINGS)).ratings)
    monkeypatch.setattr("datasets.importers.csv_ratings.BLOCK_BYTES", block_bytes or 1 << 20)

    blocked = _as_rows(read_dataset(write_csv(tmp_path / "b", ratings=RATINGS)).ratings)

    assert blocked == whole
    assert ("1", 0, 0.5, 40) in blocked  # the later line of the pair rated twice
    assert len(blocked) == 7


def test_lines_numpy_refuses_are_read_line_by_line_to_the_same_ratings(tmp_path):
    plain = write_csv(tmp_path / "plain", ratings=RATINGS)
    quoted = write_csv(tmp_path / "quoted", ratings=[(u, i, f'"{r}"', f"{t}.0") for u, i, r, t in RATINGS])
    (quoted / "ratings.csv").write_text((quoted / "ratings.csv").read_text().replace("\n2,", "\n\n2,", 1))

    assert _as_rows(read_dataset(quoted).ratings) == _as_rows(read_dataset(plain).ratings)


def test_crlf_line_ends_read_the_same_ratings_by_numpy(tmp_path, monkeypatch):
    plain = _as_rows(read_dataset(write_csv(tmp_path / "plain", ratings=RATINGS)).ratings)
    crlf = write_csv(tmp_path / "crlf", ratings=RATINGS)
    (crlf / "ratings.csv").write_bytes((crlf / "ratings.csv").read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.setattr(csv_ratings._BlockReader, "_slow", None)  # numpy must read every block

    assert _as_rows(read_dataset(crlf).ratings) == plain


def test_a_bad_line_in_a_later_block_is_named(tmp_path):
    ratings = [*RATINGS[:6], ("3", "2", "9.0", "30")]
    directory = write_csv(tmp_path, ratings=ratings)
    blocks = rating_blocks(directory / "ratings.csv", read_items(directory), item_file="movies.csv", block_bytes=30)

    with pytest.raises(DatasetError, match=r"^ratings\.csv line 8: rating 9\.0 is outside 0\.5-5\.0$"):
        list(blocks)


def test_whole_users_keeps_a_users_rows_in_one_block_and_names_users_seen_in_two(tmp_path):
    directory = write_csv(tmp_path, ratings=RATINGS)
    blocks = rating_blocks(directory / "ratings.csv", read_items(directory), item_file="movies.csv", block_bytes=20)
    whole = WholeUsers(blocks)

    cut = [block.users.tolist() for block in whole]

    assert [sorted(set(users)) for users in cut] == [[1], [2], [3], [1]]
    assert cut[0] == [1, 1]  # (1, 2) was rated twice in a row: the later line is kept
    assert whole.spanning == {1}
    assert whole.users == {1, 2, 3}

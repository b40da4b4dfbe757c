"""Titles a request names: cues, the ways a title is written, misspellings, a year, same-name titles."""

import pytest

from language.titles import TitleEntry, TitleIndex, title_key

CATALOGUE = [  # most popular first, as serving orders them
    TitleEntry(1, "Toy Story", 1995),
    TitleEntry(2, "Alien", 1979),
    TitleEntry(3, "Dark Knight, The", 2008),
    TitleEntry(4, "Star Wars: Episode IV - A New Hope", 1977),
    TitleEntry(5, "Seven (a.k.a. Se7en)", 1995),
    TitleEntry(6, "Heat", 1995),
    TitleEntry(7, "Beautiful Mind, A", 2001),
    TitleEntry(8, "Heist", 2001),
    TitleEntry(9, "Toy, The", 1982),
    TitleEntry(10, "Alien", 2019),  # a remake: less popular, named with its year
    TitleEntry(11, "Escape from New York", 1981),
    TitleEntry(12, "Ronin", 1998),
    TitleEntry(13, "Harry Potter and the Sorcerer's Stone", 2001),
    TitleEntry(14, "Harry Potter and the Chamber of Secrets", 2002),
]


@pytest.fixture(scope="module")
def index():
    return TitleIndex(CATALOGUE)


def found(index, text, refused=frozenset()):
    return [(m.entry.item_id, m.exact) for m in index.find_after_cues(f" {text.lower()} ", refused=refused)]


@pytest.mark.parametrize(
    ("text", "item_ids"),
    [
        ("something like Toy Story", [1]),
        ("similar to The Dark Knight but funnier", [3]),
        ("in the vein of Star Wars", [4]),
        ("I loved se7en", [5]),
        ("movies like Seven", [5]),
        ("reminds me of a beautiful mind", [7]),
        ("I enjoyed Escape from New York", [11]),
        ("like Heat and Ronin, not too old", [6, 12]),
        ("fans of alien 2019", [10]),
        ("in the style of Alien (1979)", [2]),
        ("like alien", [2]),
        ("something like harry potter", [13]),  # the most popular of the titles it begins
        ("similar to harry potter and the chamber of secrets", [14]),
    ],
)
def test_titles_after_a_cue_are_found(index, text, item_ids):
    assert [item_id for item_id, _ in found(index, text)] == item_ids


def test_a_misspelled_title_is_found_by_a_close_match_not_a_shorter_exact_one(index):
    assert found(index, "similar to toy storry") == [(1, False)]
    assert found(index, "like the dark knigth") == [(3, False)]


@pytest.mark.parametrize(
    "text",
    [
        "I'd like a comedy",  # "would like" is no cue
        "something like a heist movie",  # "a heist": a kind of movie, not the title Heist
        "something light and funny",  # no cue at all
        "like zxqv",
    ],
)
def test_no_title_is_made_up(index, text):
    assert found(index, text, refused=frozenset({"heist", "comedy", "movie"})) == []


def test_a_run_of_category_words_is_a_title_only_when_written_with_a_capital(index):
    assert found(index, "like heist", refused=frozenset({"heist"})) == []
    assert found(index, "like heist") == [(8, True)]
    matches = index.find_after_cues(" like heist ", refused=frozenset({"heist"}), cased=" like Heist ")
    assert [m.entry.item_id for m in matches] == [8]


def test_the_match_spans_the_cue_and_the_year():
    index = TitleIndex(CATALOGUE)
    text = " more like alien 2019, but scarier "
    [match] = index.find_after_cues(text)
    assert text[match.start : match.end] == "like alien 2019"  # cut out whole: 2019 is no year constraint


def test_title_keys_ignore_case_punctuation_and_leading_articles():
    assert title_key("The Dark Knight") == title_key("dark knight") == "dark knight"
    assert title_key("Amélie") != ""
    assert title_key("Fast & Furious") == "fast and furious"


def test_between_titles_a_request_could_mean_the_better_known_wins():
    catalogue = [
        TitleEntry(1, "Titanic", 1953), TitleEntry(2, "Titanic", 1997),
        TitleEntry(3, "Lord of the Rings, The", 1978),
        TitleEntry(4, "Lord of the Rings: The Fellowship of the Ring, The", 2001),
        TitleEntry(5, "Lord of the Rings: The Two Towers, The", 2002),
    ]  # fmt: skip
    ratings = {1: 3, 2: 140, 3: 6, 4: 200, 5: 180}
    asked = []

    def known(item_ids):
        asked.append(sorted(item_ids))
        return {item_id: ratings[item_id] for item_id in item_ids}

    index = TitleIndex(catalogue, known=known)

    assert [m.entry.item_id for m in index.find_after_cues(" like titanic ")] == [2]
    assert [m.entry.item_id for m in index.find_after_cues(" like titanic 1953 ")] == [1]
    assert [m.entry.item_id for m in index.find_after_cues(" like the lord of the rings ")] == [4]
    assert [1, 2] in asked  # only the titles in question are looked up


def test_a_longer_run_that_begins_a_title_beats_a_shorter_exact_one():
    index = TitleIndex(
        [TitleEntry(1, "Star Wars: Episode IV - A New Hope", 1977),
         TitleEntry(2, "Star Wars: Episode V - The Empire Strikes Back", 1980),
         TitleEntry(3, "Heat", 1995), TitleEntry(4, "Heat and Dust", 1983), TitleEntry(5, "Ronin", 1998)]
    )  # fmt: skip
    assert [m.entry.item_id for m in index.find_after_cues(" i loved star wars: episode v ")] == [2]
    assert [m.entry.item_id for m in index.find_after_cues(" like star wars ")] == [1]
    assert [m.entry.item_id for m in index.find_after_cues(" like heat and ronin ")] == [3, 5]

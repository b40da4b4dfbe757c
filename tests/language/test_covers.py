"""Covers drawn from an item's title, year and categories: a valid SVG, escaped, coloured by genre."""

import re
from xml.etree import ElementTree

from language.covers import PALETTES, cover_etag, cover_svg, genres_ranked

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # raises on anything that is not well-formed XML


def title_lines(root: ElementTree.Element) -> list[str]:
    title = next(text for text in root.iter(f"{SVG}text") if text.find(f"{SVG}tspan") is not None)
    return [span.text for span in title.iter(f"{SVG}tspan")]


def test_a_cover_is_an_svg_naming_its_title_year_and_genres():
    root = parsed(cover_svg(title="The Shawshank Redemption", year=1994, genres=["Drama", "Crime"]))

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 200 300"
    assert root.find(f"{SVG}title").text == "The Shawshank Redemption (1994)"
    assert " ".join(title_lines(root)) == "The Shawshank Redemption"
    texts = ["".join(text.itertext()) for text in root.iter(f"{SVG}text")]
    assert "1994" in texts
    assert "Crime · Drama" in texts  # the more telling genre first


def test_titles_are_escaped_and_read_back_exactly():
    title = "Tom & Jerry <script> \"Live\" 'n' ]]> </svg>"
    svg = cover_svg(title=title, year=None, genres=["R&B <Live>"])

    root = parsed(svg)

    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == title
    assert root.get("aria-label") == title
    assert " ".join(title_lines(root)) == title
    assert any("".join(text.itertext()) == "R&B <Live>" for text in root.iter(f"{SVG}text"))


def test_control_characters_no_xml_allows_are_dropped():
    root = parsed(cover_svg(title="Bell\x07 Book\x00", year=2000, genres=["Comedy\x1b"]))
    assert root.find(f"{SVG}title").text == "Bell Book (2000)"


def test_the_most_telling_genre_picks_the_palette_whatever_the_order():
    animated = cover_svg(title="Toy Story", year=1995, genres=["Comedy", "Animation", "Children"])
    same = cover_svg(title="Toy Story", year=1995, genres=["Children", "Comedy", "Animation"])
    horror = cover_svg(title="Toy Story", year=1995, genres=["Horror"])

    assert animated == same
    stops = re.findall(r'stop-color="(#[0-9a-f]{6})"', animated)
    assert stops == [PALETTES["animation"].base, PALETTES["children"].base]  # a gradient into the second genre
    assert re.findall(r'stop-color="(#[0-9a-f]{6})"', horror)[0] == PALETTES["horror"].base
    assert genres_ranked(["Drama", "Sci-Fi", "Film-Noir", "Unknown Genre"]) == [
        "Film-Noir",
        "Sci-Fi",
        "Drama",
        "Unknown Genre",
    ]


def test_every_palette_keeps_white_text_readable():
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for genre, palette in PALETTES.items():
        assert 1.05 / (luminance(palette.base) + 0.05) >= 4.5, genre


def test_long_titles_wrap_in_smaller_type_and_never_overflow():
    short = parsed(cover_svg(title="Heat", year=1995, genres=[]))
    long_title = "Dr. Strangelove or: How I Learned to Stop Worrying and Love the Bomb"
    long = parsed(cover_svg(title=long_title, year=1964, genres=["Comedy", "War"]))
    endless = parsed(cover_svg(title=" ".join(["Word"] * 200), year=None, genres=[]))

    def size(root):
        return int(next(t for t in root.iter(f"{SVG}text") if t.find(f"{SVG}tspan") is not None).get("font-size"))

    assert len(title_lines(long)) > 1
    assert " ".join(title_lines(long)) == long_title
    assert size(long) < size(short)
    for root in (short, long, endless):
        for line in title_lines(root):
            assert len(line) * size(root) * 0.5 <= 200 - 2 * 16  # a conservative width: inside the margins
    assert title_lines(endless)[-1].endswith("…")
    assert len(title_lines(endless)) <= 9


def test_the_same_facts_draw_the_same_cover_and_the_etag_follows_the_facts():
    facts = {"title": "Alien", "year": 1979, "genres": ["Horror", "Sci-Fi"]}

    assert cover_svg(**facts) == cover_svg(**facts)
    assert cover_etag(**facts) == cover_etag(**{**facts, "genres": ["Sci-Fi", "Horror"]})
    assert cover_etag(**facts) != cover_etag(**{**facts, "year": 1986})
    assert cover_etag(**facts) != cover_etag(**{**facts, "title": "Aliens"})
    assert cover_svg(**facts) != cover_svg(**{**facts, "title": "Aliens"})

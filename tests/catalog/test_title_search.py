"""The catalogue's title search: either order, no leading article, no case or accents (PostgreSQL here,
through Item.search_title and its trigram index)."""

import pytest
from django.db import connection
from django.urls import reverse

from catalog.models import Item
from catalog.selectors import item_list
from catalog.services import item_create, item_update
from datasets.progress import Progress
from datasets.services import _import_by_orm, dataset_import
from tests.dataset_files import write_csv
from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db


def found(search: str) -> list[str]:
    return [item.title for item in item_list(search=search)]


@pytest.fixture
def films():
    for title in ("Shawshank Redemption, The", "Amélie", "Bug's Life, A", "Misérables, Les", "Heat", "Heathers"):
        ItemFactory(title=title)


@pytest.mark.parametrize(
    "search",
    [
        "the shawshank",
        "The Shawshank Redemption",
        "Shawshank Redemption, The",
        "SHAWSHANK",
        "redemption",
        "a shawshank",
    ],
)
def test_a_title_is_found_in_either_order_without_its_article(films, search):
    assert found(search) == ["Shawshank Redemption, The"]


@pytest.mark.parametrize(
    ("search", "title"),
    [
        ("amelie", "Amélie"),
        ("AMÉLIE", "Amélie"),
        ("les miserables", "Misérables, Les"),
        ("a bugs life", "Bug's Life, A"),
    ],
)
def test_accents_case_and_apostrophes_do_not_matter(films, search, title):
    assert found(search) == [title]


def test_a_search_still_narrows_as_before(films):
    assert found("heat") == ["Heat", "Heathers"]
    assert found("heathers") == ["Heathers"]
    assert found("the") == ["Heathers", "Shawshank Redemption, The"]  # a lone article: searched as written
    assert found("...") == []


def test_the_catalogue_page_finds_the_shawshank(client, films):
    response = client.get(reverse("catalog:item-list"), {"q": "the shawshank"})

    assert [item.title for item in response.context["items"]] == ["Shawshank Redemption, The"]
    assert "The Shawshank Redemption" in response.content.decode()  # shown in reading order


def test_the_search_title_follows_every_write():
    item = item_create(title="Amélie")
    assert Item.objects.get(pk=item.pk).search_title == "amelie"

    item_update(item=item, title="Fabuleux destin d'Amélie Poulain, Le")
    assert Item.objects.get(pk=item.pk).search_title == "fabuleux destin damelie poulain le"
    assert found("le fabuleux destin") == ["Fabuleux destin d'Amélie Poulain, Le"]


@pytest.mark.parametrize("path", ["copy", "orm"])
def test_imports_write_the_search_title(tmp_path, path):
    movies = [("1", "Shawshank Redemption, The (1994)", ["Crime", "Drama"]), ("4", "Amélie (2001)", ["Comedy"])]
    ratings = [("1", "1", "4.0", "964982703"), ("1", "4", "4.5", "964982704")]
    folder = write_csv(tmp_path / "ml", movies=movies, ratings=ratings)
    if path == "copy":
        assert connection.vendor == "postgresql"  # dataset_import's COPY path
        dataset_import(path=folder, source="ml")
    else:  # what the embedded SQLite runs, here on PostgreSQL
        _import_by_orm(folder, "ml", False, Progress(enabled=False))

    assert dict(Item.objects.values_list("title", "search_title")) == {
        "Shawshank Redemption, The": "shawshank redemption the",
        "Amélie": "amelie",
    }
    assert found("the shawshank") == ["Shawshank Redemption, The"]
    assert found("amelie") == ["Amélie"]


def test_the_title_search_can_use_the_trigram_index():
    ItemFactory(title="Shawshank Redemption, The")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_item_search_title_trgm'")
        assert "gin_trgm_ops" in cursor.fetchone()[0]
        # A tiny table: leave the planner only what the search could use on a large one (a bitmap scan).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = Item.objects.filter(search_title__contains="shawshank").order_by().query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "catalog_item_search_title_trgm" in plan

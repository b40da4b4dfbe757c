"""`manage.py import_movielens` against the real database."""

import hashlib
import shutil
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import Category, Item
from feedback.models import Rating
from tests.dataset_files import write_csv, write_ml1m, write_ml100k, write_recbole

pytestmark = pytest.mark.django_db
User = get_user_model()


def run_import(path, *args) -> str:
    out = StringIO()
    call_command("import_movielens", str(path), *args, stdout=out)
    return out.getvalue()


def database_state() -> dict:
    """Everything an import writes, as one comparable value."""
    ratings = Rating.objects.order_by("user_id", "item_id").values_list("user_id", "item_id", "value", "created")
    items = Item.objects.order_by("pk").values_list(
        "pk", "source", "source_id", "title", "year", "keywords", "external_ids", "is_active", "updated"
    )
    return {
        "items": hashlib.sha256(repr(list(items)).encode()).hexdigest(),
        "ratings": hashlib.sha256(repr(list(ratings)).encode()).hexdigest(),
        "categories": sorted(Category.objects.values_list("pk", "slug")),
        "item_categories": Item.categories.through.objects.count(),
        "users": sorted(User.objects.values_list("pk", "username")),
    }


@pytest.mark.slow
def test_ml_latest_small_imports_every_row_and_a_second_run_changes_nothing(ml_latest_small):
    first = run_import(ml_latest_small)

    assert Item.objects.count() == 9742
    assert Rating.objects.count() == 100836
    assert User.objects.filter(username__startswith="ml-").count() == 610
    assert "9742 items (9742 new" in first
    toy_story = Item.objects.get(source="ml", source_id="1")
    assert (toy_story.title, toy_story.year) == ("Toy Story", 1995)
    assert sorted(toy_story.categories.values_list("name", flat=True)) == [
        "Adventure", "Animation", "Children", "Comedy", "Fantasy",
    ]  # fmt: skip
    assert "pixar" in toy_story.keywords
    assert toy_story.external_ids == {"imdb": "0114709", "tmdb": "862"}
    rating = Rating.objects.get(user__username="ml-1", item=toy_story)
    assert rating.value == Decimal("4.0")
    assert rating.created.timestamp() == 964982703
    assert not User.objects.get(username="ml-1").has_usable_password()
    before = database_state()

    second = run_import(ml_latest_small)

    assert database_state() == before
    assert "0 new, 0 changed" in second
    assert "100836 unchanged" in second


def test_reimport_updates_changed_ratings_and_titles_without_duplicating(tmp_path):
    write_csv(tmp_path)
    run_import(tmp_path)
    write_csv(
        tmp_path,
        movies=[("1", "Toy Story (1995)", ["Comedy"]), ("2", "Heat (1995)", []), ("3", "Aliens (1986)", [])],
        ratings=[("1", "1", "2.5", "964982703"), ("1", "3", "5.0", "964981247")],
    )

    out = run_import(tmp_path)

    assert Rating.objects.count() == 5
    assert Rating.objects.get(user__username="ml-1", item__source_id="1").value == Decimal("2.5")
    assert Item.objects.count() == 4
    assert Item.objects.get(source_id="3").title == "Aliens"
    assert "(0 new, 1 changed)" in out  # the retitled item
    assert "(0 new, 1 changed, 1 unchanged)" in out


def test_reimport_keeps_curation(tmp_path):
    write_csv(tmp_path)
    run_import(tmp_path)
    Item.objects.filter(source_id="2").update(is_active=False, is_featured=True, description="Curated.")
    extra = Category.objects.create(name="Staff picks", slug="staff-picks")
    Item.objects.get(source_id="2").categories.add(extra)

    run_import(tmp_path)

    heat = Item.objects.get(source_id="2")
    assert (heat.is_active, heat.is_featured, heat.description) == (False, True, "Curated.")
    assert "Staff picks" in heat.categories.values_list("name", flat=True)


@pytest.mark.parametrize(
    ("writer", "source"),
    [(write_csv, "ml"), (write_ml100k, "ml-100k"), (write_ml1m, "ml-1m"), (write_recbole, "tiny")],
)
def test_each_format_imports_through_the_command(tmp_path, writer, source):
    run_import(writer(tmp_path / "data"))

    assert Item.objects.filter(source=source).count() == 4
    assert Rating.objects.count() == 5
    assert User.objects.filter(username__startswith=f"{source}-").count() == 3
    assert Item.objects.get(source=source, source_id="4").title == "Amélie"
    assert set(Category.objects.values_list("slug", flat=True)) >= {"children", "sci-fi", "comedy"}


def test_source_option_namespaces_items_and_users(tmp_path):
    write_csv(tmp_path)
    run_import(tmp_path)
    run_import(tmp_path, "--source", "mirror")

    assert Item.objects.filter(source="mirror").count() == 4
    assert Item.objects.count() == 8
    assert User.objects.filter(username="mirror-1").exists()


def test_bad_source_name_is_refused(tmp_path):
    with pytest.raises(CommandError, match=r"--source: 'no spaces' must be 1-32 letters"):
        run_import(write_csv(tmp_path), "--source", "no spaces")
    assert Item.objects.count() == 0


@pytest.mark.slow
def test_corrupted_copy_of_ml_latest_small_leaves_the_database_as_it_was(tmp_path, ml_latest_small):
    run_import(write_csv(tmp_path / "earlier"))
    before = database_state()
    corrupted = tmp_path / "corrupted"
    shutil.copytree(ml_latest_small, corrupted)
    ratings = corrupted / "ratings.csv"
    ratings.chmod(0o644)
    with ratings.open("a") as handle:
        handle.write("610,1,7.5,1537799250\n")

    with pytest.raises(CommandError) as raised:
        run_import(corrupted)

    assert str(raised.value) == "ratings.csv line 100838: rating 7.5 is outside 0.5-5.0; nothing was imported"
    assert database_state() == before


def rating_schema() -> list[tuple]:
    """feedback_rating's indexes and constraints, as the catalogue defines them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'feedback_rating'::regclass
               UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'feedback_rating' ORDER BY 1"""
        )
        return cursor.fetchall()


@pytest.fixture
def refusing_ratings_table():
    """A real failure inside the import's transaction: the database refuses any insert into the ratings."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_ratings() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
        )
    yield lambda: _refuse_ratings(True)
    _refuse_ratings(False)
    with connection.cursor() as cursor:
        cursor.execute("DROP FUNCTION test_refuse_ratings()")


def _refuse_ratings(on: bool) -> None:
    with connection.cursor() as cursor:
        if on:
            cursor.execute(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON feedback_rating "
                "FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_ratings()"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS test_refuse ON feedback_rating")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("later_ratings", [1, 60], ids=["merged-into-existing", "indexes-dropped-for-the-load"])
def test_a_database_failure_mid_import_rolls_everything_back(tmp_path, refusing_ratings_table, later_ratings):
    run_import(write_csv(tmp_path / "earlier"))
    before, schema = database_state(), rating_schema()
    refusing_ratings_table()
    movies = [("10", "Brazil (1985)", ["Sci-Fi"]), ("11", "Ran (1985)", ["War"])]
    ratings = [(str(100 + n), "10", "4.0", "1") for n in range(later_ratings)]  # 60: 10 x the 5 held, a bulk load

    with pytest.raises(CommandError, match=r"^the database refused the import \(disk full\); nothing was imported$"):
        run_import(write_csv(tmp_path / "later", movies=movies, ratings=ratings))

    assert database_state() == before
    assert rating_schema() == schema
    assert not Category.objects.filter(slug="war").exists()

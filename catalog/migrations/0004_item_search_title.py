"""Item.search_title: the title as the catalogue search compares it (language.titles.search_key: no case,
accents or punctuation), filled here for the items there are, then written by Item.save() and the imports.
On PostgreSQL a trigram GIN index (pg_trgm) serves its substring search; where the extension cannot be
created (no privilege), the search still works, reading the table."""

from django.db import DatabaseError, migrations, models, transaction

from language.titles import search_key

BATCH = 2000
TRIGRAM_INDEX = "CREATE INDEX catalog_item_search_title_trgm ON catalog_item USING gin (search_title gin_trgm_ops)"


def search_titles_fill(apps, schema_editor):
    Item = apps.get_model("catalog", "Item")
    items = Item.objects.using(schema_editor.connection.alias).only("pk", "title").order_by("pk")
    last = 0
    while batch := list(items.filter(pk__gt=last)[:BATCH]):
        for item in batch:
            item.search_title = search_key(item.title)
        Item.objects.using(schema_editor.connection.alias).bulk_update(batch, ["search_title"])
        last = batch[-1].pk


def trigram_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):  # a savepoint: a refusal undoes only this
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(TRIGRAM_INDEX)
    except DatabaseError as exc:
        print(f"\n  catalog: no trigram index for the title search ({exc}); it works without, reading the table")


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_item_search_title_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_item_search")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="search_title",
            field=models.TextField(blank=True, default="", db_default="", editable=False),
        ),
        migrations.RunPython(search_titles_fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(trigram_index_create, trigram_index_drop),
    ]

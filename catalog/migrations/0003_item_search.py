"""Item.search: a tsvector over title (A), keywords (B) and description (C), written by a trigger on every
insert and on updates of those columns, with a GIN index. PostgreSQL only: on SQLite the column stays
empty and requests search the fields themselves (catalog.selectors)."""

import django.contrib.postgres.search
from django.db import migrations

CREATE = """
CREATE FUNCTION catalog_item_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search :=
        setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(NEW.keywords, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_item_search BEFORE INSERT OR UPDATE OF title, keywords, description
    ON catalog_item FOR EACH ROW EXECUTE FUNCTION catalog_item_search_update();
UPDATE catalog_item SET title = title;
CREATE INDEX catalog_item_search_gin ON catalog_item USING gin (search);
"""
DROP = """
DROP INDEX IF EXISTS catalog_item_search_gin;
DROP TRIGGER IF EXISTS catalog_item_search ON catalog_item;
DROP FUNCTION IF EXISTS catalog_item_search_update();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_category_alias")]

    operations = [
        migrations.AddField(
            model_name="item",
            name="search",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]

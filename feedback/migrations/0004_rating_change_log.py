# The rating change log and the triggers that write it: every insert, update and delete of a rating,
# whoever makes it, leaves its (user, item) in feedback_ratingchange. On PostgreSQL the triggers run once
# per statement over its transition tables (a bulk import's merge writes one INSERT ... SELECT); SQLite
# has row triggers only.

import django.db.models.functions.datetime
from django.db import migrations, models

POSTGRES_FORWARD = [
    """CREATE FUNCTION rating_change_log() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO feedback_ratingchange (user_id, item_id) SELECT user_id, item_id FROM new_rows;
            ELSIF TG_OP = 'DELETE' THEN
                INSERT INTO feedback_ratingchange (user_id, item_id) SELECT user_id, item_id FROM old_rows;
            ELSE
                INSERT INTO feedback_ratingchange (user_id, item_id)
                SELECT user_id, item_id FROM old_rows UNION SELECT user_id, item_id FROM new_rows;
            END IF;
            RETURN NULL;
        END $$""",
    """CREATE TRIGGER rating_change_log_insert AFTER INSERT ON feedback_rating
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rating_change_log()""",
    """CREATE TRIGGER rating_change_log_update AFTER UPDATE ON feedback_rating
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rating_change_log()""",
    """CREATE TRIGGER rating_change_log_delete AFTER DELETE ON feedback_rating
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rating_change_log()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS rating_change_log_insert ON feedback_rating",
    "DROP TRIGGER IF EXISTS rating_change_log_update ON feedback_rating",
    "DROP TRIGGER IF EXISTS rating_change_log_delete ON feedback_rating",
    "DROP FUNCTION IF EXISTS rating_change_log()",
]

SQLITE_FORWARD = [
    """CREATE TRIGGER rating_change_log_insert AFTER INSERT ON feedback_rating FOR EACH ROW
        BEGIN INSERT INTO feedback_ratingchange (user_id, item_id) VALUES (NEW.user_id, NEW.item_id); END""",
    """CREATE TRIGGER rating_change_log_update AFTER UPDATE ON feedback_rating FOR EACH ROW
        BEGIN
            INSERT INTO feedback_ratingchange (user_id, item_id) VALUES (OLD.user_id, OLD.item_id);
            INSERT INTO feedback_ratingchange (user_id, item_id) SELECT NEW.user_id, NEW.item_id
             WHERE NEW.user_id <> OLD.user_id OR NEW.item_id <> OLD.item_id;
        END""",
    """CREATE TRIGGER rating_change_log_delete AFTER DELETE ON feedback_rating FOR EACH ROW
        BEGIN INSERT INTO feedback_ratingchange (user_id, item_id) VALUES (OLD.user_id, OLD.item_id); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS rating_change_log_insert",
    "DROP TRIGGER IF EXISTS rating_change_log_update",
    "DROP TRIGGER IF EXISTS rating_change_log_delete",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_explanation_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="RatingChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("user_id", models.BigIntegerField(null=True)),
                ("item_id", models.BigIntegerField(null=True)),
                ("at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), db_index=True)),
            ],
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]

# The Explanation model moves here from the recommendations app with its rows: this migration only adds it
# to the explanations app's state; recommendations 0006 renames the table and drops it from its own state.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0001_initial"),
        ("recommendations", "0005_training_run"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Explanation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=64, unique=True)),
                        ("evidence_item_ids", models.JSONField(default=list)),
                        (
                            "intent",
                            models.CharField(blank=True, help_text="The request's summary, if any.", max_length=200),
                        ),
                        ("model_name", models.CharField(max_length=100)),
                        ("prompt_version", models.CharField(max_length=32)),
                        (
                            "status",
                            models.CharField(
                                choices=[("pending", "Pending"), ("ready", "Ready")], default="pending", max_length=16
                            ),
                        ),
                        ("text", models.TextField(blank=True)),
                        (
                            "source",
                            models.CharField(
                                blank=True,
                                choices=[("generated", "Generated"), ("template", "Template")],
                                max_length=16,
                            ),
                        ),
                        (
                            "verdict",
                            models.TextField(blank=True, help_text="Why the guard rejected generated text, if it did."),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True)),
                        ("updated", models.DateTimeField(auto_now=True)),
                        (
                            "item",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="explanations",
                                to="catalog.item",
                            ),
                        ),
                    ],
                ),
            ],
            database_operations=[],
        ),
    ]

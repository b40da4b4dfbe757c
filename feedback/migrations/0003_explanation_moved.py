# FeedbackEvent.explanation now names explanations.Explanation, the same table (renamed by
# recommendations 0006): a change of state only, the column and its constraint stay as they are.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_feedback_loop"),
        ("explanations", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="feedbackevent",
                    name="explanation",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="feedback",
                        to="explanations.explanation",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]

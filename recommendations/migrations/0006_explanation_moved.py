# Explanation moved to the explanations app: its table is renamed with its rows, and the model leaves
# this app's state (explanations 0001 took it up; feedback 0003 points its foreign key there).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0005_training_run"),
        ("explanations", "0001_initial"),
        ("feedback", "0003_explanation_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.AlterModelTable(name="explanation", table="explanations_explanation")],
            state_operations=[migrations.DeleteModel(name="Explanation")],
        ),
    ]

from django.db import migrations

from reviews.rubric_catalog import sync_rubrics


def forwards(apps, schema_editor):
    sync_rubrics(
        apps.get_model("reviews", "Rubric"), apps.get_model("reviews", "RubricCriterion"),
        apps.get_model("institutes", "Program"),
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial"), ("institutes", "0002_load_programs")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

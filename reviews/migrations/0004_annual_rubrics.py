"""The XX22 and HN23 annual-evaluation rubrics joined the catalogue with the annual evaluation."""
from django.db import migrations

from reviews.rubric_catalog import sync_rubrics


def forwards(apps, schema_editor):
    sync_rubrics(
        apps.get_model("reviews", "Rubric"), apps.get_model("reviews", "RubricCriterion"),
        apps.get_model("institutes", "Program"),
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_annual_evaluation")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

from django.db import migrations

from institutes.program_catalog import sync_programs


def forwards(apps, schema_editor):
    sync_programs(
        apps.get_model("institutes", "Program"),
        apps.get_model("accounts", "Region"),
        apps.get_model("institutes", "IndustryField"),
    )


class Migration(migrations.Migration):
    dependencies = [("institutes", "0001_initial"), ("accounts", "0002_roles_and_regions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

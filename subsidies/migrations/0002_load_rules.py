"""Every rule version of POLICY.md §7, as the documents set them (subsidies/rule_catalog.py)."""
from django.db import migrations

from subsidies.rule_catalog import load_rules


def forwards(apps, schema_editor):
    load_rules(apps.get_model("subsidies", "PolicyRuleVersion"), apps.get_model("institutes", "Program"))


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0001_initial"), ("institutes", "0002_load_programs")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

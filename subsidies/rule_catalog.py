"""Load the calculator's catalog (POLICY.md §7: one version per rule code, as the documents set
them) into `PolicyRuleVersion`. Idempotent: a version is found by its code and start date and
brought in line with the catalog; versions staff added are never touched. Catalog versions are
approved: the documents themselves are the second pair of eyes.

The data migration calls `load_rules(apps.get_model(...), apps.get_model(...))`; the test reference
data calls `load_rules()`."""
from decimal import Decimal

from django.utils import translation

from subsidies.calculator import DEFAULT_VERSIONS, RuleVersion


def params_as_json(value):
    """Validated parameters as a JSON field stores them: Decimals as strings, unset options left out."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: params_as_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [params_as_json(item) for item in value]
    return value


def row_values(version: RuleVersion) -> dict:
    with translation.override(None):  # titles are stored as their English msgid, shown translated
        title = str(version.title)
    return {
        "document": str(version.document),
        "article": version.article,
        "title": title,
        "rule_type": version.rule_type,
        "params": params_as_json(version.params),
        "payees": list(version.payees),
        "cap_period": version.cap_period,
        "effective_to": version.effective_to,
    }


def load_rules(PolicyRuleVersion=None, Program=None) -> int:
    """Create or update every catalog version; returns how many rows were created."""
    if PolicyRuleVersion is None:
        from subsidies.models import PolicyRuleVersion
    if Program is None:
        from institutes.models import Program
    programs = {program.code: program for program in Program.objects.all()}
    # The documents' own versions are in force: approved (once the model has states, migration 0003).
    has_state = any(field.name == "state" for field in PolicyRuleVersion._meta.get_fields())
    create_defaults = {"state": "approved"} if has_state else {}
    created = 0
    for version in DEFAULT_VERSIONS:
        values = row_values(version) | {"program": programs.get(version.code.split("-", 1)[0])}
        _row, made = PolicyRuleVersion.objects.update_or_create(
            code=version.code, effective_from=version.effective_from, defaults=values,
            create_defaults=values | create_defaults,
        )
        created += made
    return created

"""Load the calculator's catalog (POLICY.md §7: one version per rule code, as the documents set
them) into `PolicyRuleVersion`. Idempotent: a version is found by its code and start date (among
the live ones) and brought in line with the catalog, except that a retired one keeps the end its
retirement gave it; versions staff added at other start dates are never touched. Catalog versions are
approved: the documents themselves are the second pair of eyes.

The data migration calls `load_rules(apps.get_model(...), apps.get_model(...))`; the test reference
data calls `load_rules()`."""
from decimal import Decimal

from django.utils import translation

from subsidies.calculator import DEFAULT_VERSIONS, RuleVersion

# PolicyRuleVersion.LIVE, spelled out: the data migration's historical model has no such attribute.
LIVE_STATES = ("proposed", "approved", "retiring", "retired")


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
    # The documents' own versions are in force: approved (once the model has states, migration 0004).
    # A version is found among the live ones (a rejected or withdrawn proposal may share its start);
    # a retired one keeps the end its retirement gave it.
    has_state = any(field.name == "state" for field in PolicyRuleVersion._meta.get_fields())
    rows = PolicyRuleVersion.objects.filter(state__in=LIVE_STATES) if has_state else PolicyRuleVersion.objects.all()
    created = 0
    for version in DEFAULT_VERSIONS:
        values = row_values(version) | {"program": programs.get(version.code.split("-", 1)[0])}
        row = rows.filter(code=version.code, effective_from=version.effective_from).first()
        if row is None:
            PolicyRuleVersion.objects.create(code=version.code, effective_from=version.effective_from, **values,
                                             **({"state": "approved"} if has_state else {}))
            created += 1
            continue
        if has_state and row.state == "retired":
            values.pop("effective_to")
        rows.filter(pk=row.pk).update(**values)
    return created

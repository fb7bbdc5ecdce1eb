"""Program managers keep the rules: a new version of a rule (new amounts, caps or window) or, for
HN23 whose funding measures are issued separately, a new rule code under a program they manage.

A version is validated by the engine itself (building its `RuleVersion` runs the rule type's
parameter checks), then against the other versions of its code: two versions starting on the same
day would make the choice of version ambiguous. Rows are never changed afterwards; an event is
quoted with the version in force on its date, so old events keep the old version."""
import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutes.models import Program
from portal.audit.services import record_event
from subsidies.calculator import RuleDefinitionError
from subsidies.models import PolicyRuleVersion
from subsidies.rule_catalog import params_as_json

CODE = re.compile(r"^[A-Z][A-Z0-9]*-[A-Z0-9]{1,10}$")


@dataclass
class VersionData:
    code: str
    document: str
    article: str
    title: str
    rule_type: str
    params: dict
    payees: list
    cap_period: str
    effective_from: date
    effective_to: date | None = None
    note: str = ""


def check_version(program: Program, data: VersionData) -> PolicyRuleVersion:
    """The unsaved row, validated; ValidationError {field: message} otherwise."""
    if not data.code.startswith(f"{program.code}-") or not CODE.match(data.code):
        raise ValidationError({"code": _(
            "A rule code of %(program)s is “%(program)s-” followed by up to ten capital letters or digits, "
            "e.g. %(program)s-1."
        ) % {"program": program.code}})
    existing = list(PolicyRuleVersion.objects.of_code(data.code))
    if any(row.program_id != program.pk for row in existing):
        raise ValidationError({"code": _("Rule %(rule)s belongs to another program.") % {"rule": data.code}})
    row = PolicyRuleVersion(
        code=data.code, document=data.document.strip(), article=data.article.strip(), title=data.title.strip(),
        rule_type=data.rule_type, params=data.params, payees=list(data.payees), cap_period=data.cap_period,
        effective_from=data.effective_from, effective_to=data.effective_to, program=program, note=data.note,
    )
    try:
        version = row.as_rule_version()
    except RuleDefinitionError as error:
        raise ValidationError({"params": str(error)})
    clash = next((other for other in existing if other.effective_from == data.effective_from), None)
    if clash is not None:
        raise ValidationError({"effective_from": _(
            "Version %(window)s of %(rule)s already starts on %(start)s; two versions starting the same day "
            "would make the version of an event ambiguous. Choose another start date."
        ) % {"window": clash.window_label, "rule": data.code, "start": data.effective_from.isoformat()}})
    row.params = params_as_json(version.params)
    return row


@transaction.atomic
def add_version(user, program: Program, data: VersionData, request=None) -> PolicyRuleVersion:
    if not user.has_perm("subsidies.manage_rules", program):
        raise PermissionDenied
    row = check_version(program, data)
    row.created_by = user
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError({"effective_from": _("Another version of this rule starts on that day.")})
    record_event(
        row, action="add_rule_version", action_label=gettext_lazy("Rule version added"), actor=user,
        comment=data.note, data={"code": row.code, "window": row.window_label, "rule_type": row.rule_type},
        request=request,
    )
    return row


def superseded_on(row: PolicyRuleVersion, versions: list[PolicyRuleVersion]):
    """The day a later-starting version of the same code takes over from `row`, if any."""
    later = [other.effective_from for other in versions if other.effective_from > row.effective_from]
    return min(later) if later else None

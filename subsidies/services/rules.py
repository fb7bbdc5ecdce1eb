"""Program managers keep the rules: a new version of a rule (new amounts, caps or window) or, for
HN23 whose funding measures are issued separately, a new rule code under a program they manage.

A version is validated by the engine itself (building its `RuleVersion` runs the rule type's
parameter checks and bounds), against its program's document window (`Program.effective_from` /
`effective_to`), then against the other versions of its code: two live versions starting on the
same day would make the choice of version ambiguous. Its parameters are never changed afterwards;
an event is quoted with the version in force on its date, so old events keep the old version.

Four-eyes (docs/policy-decisions.md, “Rule versions (four-eyes)”): `propose_version` stores a
proposal that quotes nothing; another manager of the program approves or rejects it
(`approve_version`, `reject_version`), its proposer may withdraw it (`withdraw_version`). Retiring
is four-eyes too: `propose_retirement` names the version's last day (today or later, inside its
window: a retirement never changes the quote of an event already past), then another manager
confirms it (`confirm_retirement`, which ends the window on that day) or either keeps the version
(`keep_version`). Every step is one `portal.workflow.transition` with its audit event; the
proposal's event records each parameter old → new against the version it supersedes."""
import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutes.models import Program
from portal.audit.services import record_event
from portal.workflow import TransitionRefused, transition
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


def _in_window(program: Program, data: VersionData) -> None:
    """A version applies only inside its document's window (POLICY.md §6 effective windows)."""
    values = {"program": program.code, "start": program.effective_from.isoformat(),
              "end": program.effective_to.isoformat() if program.effective_to else ""}
    if data.effective_from < program.effective_from:
        raise ValidationError({"effective_from": _(
            "The document of %(program)s takes effect on %(start)s; a version cannot apply to events before it. "
            "Choose a start date from %(start)s."
        ) % values})
    if program.effective_to and (data.effective_to is None or data.effective_to > program.effective_to):
        raise ValidationError({"effective_to": _(
            "The document of %(program)s is valid until %(end)s; a version cannot apply to events after it. "
            "Choose an end date no later than %(end)s."
        ) % values})


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
    _in_window(program, data)
    clash = next((other for other in existing
                  if other.effective_from == data.effective_from and other.state in PolicyRuleVersion.LIVE), None)
    if clash is not None:
        raise ValidationError({"effective_from": _(
            "Version %(window)s of %(rule)s already starts on %(start)s; two versions starting the same day "
            "would make the version of an event ambiguous. Choose another start date."
        ) % {"window": clash.window_label, "rule": data.code, "start": data.effective_from.isoformat()}})
    row.params = params_as_json(version.params)
    return row


def flat_params(params, prefix="") -> dict[str, object]:
    """{"tiers.excellent": "8000000", "rate": "0.1", …}: every leaf of the parameters by its path."""
    if isinstance(params, dict):
        items = params.items()
    elif isinstance(params, list):
        items = enumerate(params)
    else:
        return {prefix: params}
    flat = {}
    for key, value in items:
        flat.update(flat_params(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def parameter_changes(old: PolicyRuleVersion | None, new: PolicyRuleVersion) -> list[dict]:
    """Each parameter (and payees, cap period, window) of `new` with its value in `old` (the
    version it supersedes; None for a new rule): [{"name", "old", "new"}], removed ones included."""
    def described(row):
        if row is None:
            return {}
        return {**{f"params.{key}": value for key, value in flat_params(row.params).items()},
                "payees": ", ".join(row.payees), "cap_period": row.cap_period, "rule_type": row.rule_type,
                "effective_to": row.effective_to.isoformat() if row.effective_to else None}
    before, after = described(old), described(new)
    return [{"name": name, "old": before.get(name), "new": after.get(name)}
            for name in sorted(before.keys() | after.keys())]


def superseded_version(row: PolicyRuleVersion) -> PolicyRuleVersion | None:
    """The approved version of the same code in force just before `row` starts (what it replaces)."""
    return (PolicyRuleVersion.objects.quoting().of_code(row.code).exclude(pk=row.pk)
            .filter(effective_from__lt=row.effective_from).order_by("-effective_from", "-pk").first())


@transaction.atomic
def propose_version(user, program: Program, data: VersionData, request=None) -> PolicyRuleVersion:
    """A proposed version: stored and audited with every parameter old → new; it quotes nothing
    until another manager of the program approves it."""
    if not user.has_perm("subsidies.manage_rules", program):
        raise PermissionDenied
    if not data.note.strip():
        raise ValidationError({"note": _("Say why the version is proposed (document issued, amounts changed …).")})
    row = check_version(program, data)
    row.created_by = user
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ValidationError({"effective_from": _("Another version of this rule starts on that day.")})
    old = superseded_version(row)
    record_event(
        row, action="propose_rule_version", action_label=gettext_lazy("Rule version proposed"), actor=user,
        comment=data.note, to_state=row.state, request=request, data={
            "code": row.code, "window": row.window_label, "rule_type": row.rule_type,
            "supersedes": old.pk if old else None, "supersedes_window": old.window_label if old else None,
            "changes": parameter_changes(old, row),
        },
    )
    return row


def _decide(row: PolicyRuleVersion, action: str, user, *, reason: str = "", reason_required=False, request=None,
            **kwargs):
    if not user.has_perm("subsidies.manage_rules", row):
        raise PermissionDenied
    if reason_required and not reason.strip():
        raise TransitionRefused(_("Give the reason: it is recorded with the decision and shown to the proposer."))
    data = {"code": row.code, "window": row.window_label, "reason": reason.strip()}
    transition(row, action, user, comment=reason.strip(), request=request, data=data, **kwargs)
    return row


def approve_version(row, user, *, reason: str = "", request=None):
    """A second manager of the program approves: from now on the version quotes."""
    return _decide(row, "approve", user, reason=reason, request=request)


def reject_version(row, user, *, reason: str, request=None):
    return _decide(row, "reject", user, reason=reason, reason_required=True, request=request)


def withdraw_version(row, user, *, reason: str = "", request=None):
    return _decide(row, "withdraw", user, reason=reason, request=request)


def _check_last_day(row: PolicyRuleVersion, last_day: date | None) -> None:
    """The last day a retired version applies: today or later (events already past keep their
    quote) and inside the version's window."""
    if last_day is None:
        raise TransitionRefused(_("Give the last day the version applies to events."))
    today = timezone.localdate()
    if last_day < today:
        raise TransitionRefused(_(
            "The last day cannot be before today (%(today)s): events already past keep the quote of their "
            "version. Choose %(today)s or later.") % {"today": today.isoformat()})
    if last_day < row.effective_from:
        raise TransitionRefused(_(
            "The version applies from %(start)s; its last day cannot be before it.")
            % {"start": row.effective_from.isoformat()})
    if row.effective_to and last_day > row.effective_to:
        raise TransitionRefused(_(
            "The version already ends on %(end)s; a retirement can only end it earlier.")
            % {"end": row.effective_to.isoformat()})


def propose_retirement(row, user, *, reason: str, last_day: date | None, request=None):
    """Retirement is four-eyes too: the version keeps quoting as it is until another manager confirms."""
    if not user.has_perm("subsidies.manage_rules", row):
        raise PermissionDenied
    if row.state == PolicyRuleVersion.State.APPROVED:
        _check_last_day(row, last_day)
    return _decide(row, "propose_retirement", user, reason=reason, reason_required=True, request=request,
                   last_day=last_day)


def confirm_retirement(row, user, *, reason: str = "", request=None):
    """A second manager confirms: the version ends on the proposed last day (events after it fall to
    the version before it); the audit event records the window's end old → new."""
    return _decide(row, "confirm_retirement", user, reason=reason, request=request)


def keep_version(row, user, *, reason: str, request=None):
    """The pending retirement is withdrawn or turned down; the version stays approved."""
    return _decide(row, "keep", user, reason=reason, reason_required=True, request=request)


DECISIONS = {
    "approve": approve_version, "reject": reject_version, "withdraw": withdraw_version,
    "propose_retirement": propose_retirement, "confirm_retirement": confirm_retirement, "keep": keep_version,
}

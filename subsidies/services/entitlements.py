"""Entitlements: from approved claims, and from the yearly job (POLICY.md §5–§6).

`create_from_claim(claim, user)` — called when a manager approves a claim: one entitlement per
payee of the claim's quote, key "claim:<id>:<payee_role>" (idempotent).

`compute_yearly(program, year)` (run by the task through `execute_run`) — one program and year, in bulk: a handful of queries to load every input, the
engine (`subsidies.calculator.quote`) for each institute in Python, then bulk_create/bulk_update.
The queries do not grow with the number of institutes (bulk writes are batched only by the
database's parameter limit). Keys make it idempotent; a changed input updates the entitlement and
appends a revision (old, new, reason, when) to its history and a line to its trace.

    ZZ23-1   grade subsidy: year_index = year − recognition year (1 = the year after), 3 years, tier by
             the published grade of `year`, at most 50 % of the accepted report's `funding_input`
    XX22-1   creation subsidy: 500万 for three consecutive years from the listing year, or from the
             document's first year for an institute listed before it took effect (XX22 四（一）), each
             dated on the listing anniversary but not before the document's start, so the document
             window (2022-01-30 … 2024-12-31) decides
    SJZ22-3  newly recognised municipal institute (recognised in `year`), once
    SJZ22-4  3-year performance cycle graded 优秀 (`institutes.cycles.cycle_ending`, the definition the
             evaluation's due list uses): the published grade of the cycle's last year
    (SJZ22-5, newly recognised provincial institute, is claimed: the portal does not record the
    province's recognition, the unit files it with the provincial document.)

The yearly awards pay and cap **per institute** (ZZ23 五（一）, XX22 四（一）, SJZ22 四（三）（四）): the
payee is the institute itself where it is a legal person (`Institute.legal_entity`), otherwise its
lead unit, and two institutes of one lead unit each have their own cap. An institute graded 不合格
for the year before is skipped in its own program only (`institutes.selectors_annual.support_bars`);
a revoked institute is not paid for events on or after its revocation date. Every money change
(created, amount changed, cancelled) is an audit event whose actor is the run's requester, with
old and new amount and the reason, written in bulk.
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutes.cycles import SJZ22_CYCLE_YEARS, cycle_ending
from institutes.models import Grade, Institute
from institutes.selectors_annual import support_bars
from portal.audit.services import audit_event, record_events
from portal.formatting import yuan_wan
from portal.outbox.services import enqueue
from portal.workflow import transition, transition_many
from subsidies.calculator import DEFAULT_VERSIONS, quote, select_version
from subsidies.calculator.money import ZERO
from subsidies.models import Entitlement, EntitlementRun

YEARLY_CODES = {
    "ZZ23": ("ZZ23-1",),
    "XX22": ("XX22-1",),
    "SJZ22": ("SJZ22-3", "SJZ22-4"),
}
INSTITUTE_FIELDS = ("pk", "name", "state", "recognized_on", "revoked_on", "lead_unit_id", "legal_entity_id",
                    "program_id")


# ---- rule versions ----------------------------------------------------------------------------------

@dataclass
class Versions:
    """The engine's versions and, for the entitlement's FK, their database rows by (code, start)."""

    versions: list
    rows: dict
    source: str  # "database" or "catalog"

    def row_for(self, code: str, day: datetime.date):
        version = select_version(self.versions, code, day)
        return None if version is None else self.rows.get((code, version.effective_from))


def load_versions(codes=None) -> Versions:
    """The DB rule versions (as `subsidies.selectors.rules.versions_in_force` builds them, restricted
    to `codes`, one query) with their rows; the calculator's catalog when the table is empty."""
    from subsidies.models import PolicyRuleVersion

    rows = list(PolicyRuleVersion.objects.quoting().filter(code__in=codes) if codes else PolicyRuleVersion.objects.quoting())
    if rows:
        return Versions([row.as_rule_version() for row in rows],
                        {(row.code, row.effective_from): row for row in rows}, "database")
    return Versions(list(DEFAULT_VERSIONS), {}, "catalog")


# ---- claims ----------------------------------------------------------------------------------------

def claim_key(claim, payee_role: str) -> str:
    return f"claim:{claim.pk}:{payee_role}"


@transaction.atomic
def create_from_claim(claim, user) -> list[Entitlement]:
    """One entitlement per payee of the approved claim's quote; calling it again returns the same rows."""
    organizations = claim.payee_organizations()
    wanted = {claim_key(claim, role): (role, amount) for role, amount in claim.payouts() if amount > 0}
    existing = {e.key: e for e in Entitlement.objects.filter(key__in=wanted)}
    new = [
        Entitlement(
            program_id=claim.program_id, rule_code=claim.rule_code, rule_version_id=claim.rule_version_id,
            source=Entitlement.Source.CLAIM, claim=claim, institute_id=claim.institute_id,
            payee=organizations[role], payee_role=role, year=claim.event_date.year, event_date=claim.event_date,
            amount=amount, trace=list(claim.quote.get("trace", [])),
            inputs={"facts": claim.facts, "subject": claim.subject, "claim": claim.reference or claim.pk},
            key=key,
        )
        for key, (role, amount) in wanted.items()
        if key not in existing
    ]
    Entitlement.objects.bulk_create(new)
    record_events([
        audit_event(
            entitlement, action="entitlement_created", action_label=gettext_lazy("Entitlement created"), actor=user,
            to_state=entitlement.state,
            comment=_("Claim %(reference)s approved: %(amount)s for %(payee)s.") % {
                "reference": claim.reference, "amount": yuan_wan(entitlement.amount),
                "payee": entitlement.payee.name},
            data={"old": "", "new": str(entitlement.amount), "claim": claim.reference, "payee": entitlement.payee_id,
                  "payee_role": entitlement.payee_role, "rule_version": claim.rule_version_id},
        )
        for entitlement in new
    ])
    return list(existing.values()) + new


# ---- the yearly job ----------------------------------------------------------------------------------

@dataclass
class Candidate:
    key: str
    rule_code: str
    institute: object
    payee_id: int
    payee_role: str
    event_date: datetime.date
    facts: dict
    inputs: dict = field(default_factory=dict)


@dataclass
class RunResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    skipped: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    rule_source: str = ""

    def as_fields(self) -> dict:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "cancelled": self.cancelled, "skipped": self.skipped, "conflicts": self.conflicts,
            "rule_source": self.rule_source,
        }


def request_run(program, year: int, user) -> EntitlementRun:
    """Record a run and queue the job once the transaction commits."""
    from subsidies.tasks import run_entitlements

    run = EntitlementRun.objects.create(program=program, year=year, requested_by=user)
    enqueue(run_entitlements, run.pk)
    return run


def queue_all(year: int | None = None) -> int:
    """Queue a run for every program with yearly rules (beat; default: last year, whose grades and
    reports are published this year). Skips a program-year already queued or running."""
    from institutes.models import Program

    year = year or timezone.localdate().year - 1
    busy = set(EntitlementRun.objects.filter(
        year=year, state__in=[EntitlementRun.State.QUEUED, EntitlementRun.State.RUNNING]
    ).values_list("program_id", flat=True))
    programs = [p for p in Program.objects.filter(code__in=YEARLY_CODES) if p.pk not in busy]
    with transaction.atomic():
        for program in programs:
            request_run(program, year, None)
    return len(programs)


def execute_run(run_id: int) -> dict:
    """The task's body: run a queued run once. Start, every entitlement and audit event, and finish
    are one transaction holding the run's row lock, so a worker killed mid-run (SIGKILL: the
    message is not acked and Redis hands it to a worker again) leaves the run queued with nothing
    written, and the redelivery runs it whole. A message for a run another worker holds or has
    finished does nothing."""
    try:
        with transaction.atomic():
            run = (EntitlementRun.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("program", "requested_by").filter(pk=run_id).first())
            if run is None:  # locked: another worker is running it
                return {"state": EntitlementRun.State.RUNNING}
            if run.state != EntitlementRun.State.QUEUED:
                return {"state": run.state}
            actor = run.requested_by  # the person who asked for the run (None: the yearly schedule)
            transition(run, "start", actor)
            with translation.override(settings.LANGUAGE_CODE):
                result = compute_yearly(run.program, run.year, actor=actor, run=run)
            run.refresh_from_db()
            transition(run, "finish", actor, result=result.as_fields())
            return result.as_fields()
    except Exception as error:  # recorded on the run, then re-raised for the worker's log
        run = EntitlementRun.objects.select_related("requested_by").get(pk=run_id)
        transition(run, "fail", run.requested_by, comment=str(error)[:2000])
        raise


def _anniversary(day: datetime.date, year: int) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _barred(institutes, year: int) -> dict[int, str]:
    """{institute id: reason} for the institutes graded 不合格 for the year before (ZZ23 第十三条
    "下一年度不得申请相应财政支持"): their own program's support in `year` only, with the bar's end."""
    return {pk: bar.message() for pk, bar in support_bars([i.pk for i in institutes], year).items()}


def _revoked_by(institute, day: datetime.date) -> str:
    """Why a revoked institute is not paid for an event on `day`: after its revocation it is no longer
    a recognised institute (ZZ23 第十四条). Empty when it was still recognised on that day."""
    if institute.state != Institute.State.REVOKED or institute.revoked_on is None or institute.revoked_on > day:
        return ""
    return _("revoked on %(day)s: no longer a recognised institute on %(event)s, so nothing is due for it") % {
        "day": institute.revoked_on.isoformat(), "event": day.isoformat(),
    }


def _window_start(versions, code: str):
    starts = [v.effective_from for v in versions.versions if v.code == code]
    return min(starts) if starts else None


def _candidates(program, year: int, institutes, result: RunResult, versions) -> list[Candidate]:
    """Every (rule, institute) the year may pay, with its facts; skipped ones recorded with the reason."""
    from institutes.models import AnnualGrade, AnnualReport

    code = program.code
    ids = [i.pk for i in institutes]
    grades = {}
    if code in ("ZZ23", "SJZ22") and ids:
        grades = {
            g.institute_id: g
            for g in AnnualGrade.objects.published().filter(institute__in=ids, year=year).only(
                "institute_id", "grade", "published_on", "year"
            )
        }
    reports = {}
    if code == "ZZ23" and ids:
        reports = {
            r.institute_id: r
            for r in AnnualReport.objects.accepted().filter(institute__in=ids, year=year).only(
                "institute_id", "funding_input", "accepted_on", "year"
            )
        }
    xx22_start = _window_start(versions, "XX22-1") if code == "XX22" else None
    out = []

    def skip(institute, rule, reason):
        result.skipped.append({"institute": institute.pk, "name": institute.name, "rule": rule, "reason": str(reason)})

    for institute in institutes:
        recognized = institute.recognized_on
        if code == "ZZ23":
            year_index = year - recognized.year
            if not 1 <= year_index <= 3:
                continue  # outside the three years after listing: not a candidate at all
            grade, report = grades.get(institute.pk), reports.get(institute.pk)
            if grade is None:
                skip(institute, "ZZ23-1", _("no published grade for %(year)s") % {"year": year})
                continue
            if report is None or report.funding_input is None:
                skip(institute, "ZZ23-1", _("no accepted annual report with the funding input for %(year)s")
                     % {"year": year})
                continue
            out.append(Candidate(
                key=f"yearly:ZZ23-1:{institute.pk}:{year}", rule_code="ZZ23-1", institute=institute,
                payee_id=institute.payee_organization_id, payee_role="institute", event_date=grade.published_on,
                facts={"grade": grade.grade, "funding_input": str(report.funding_input), "year_index": year_index},
                inputs={"grade": grade.grade, "funding_input": str(report.funding_input), "year_index": year_index,
                        "grade_published_on": grade.published_on.isoformat()},
            ))
        elif code == "XX22":
            # 四（一）"挂牌后，财政每年一次性给予500万元…连续支持3年": three consecutive years from the
            # listing year; an institute listed before the document took effect (2022-01-30) has its
            # three years from the document's first year, each dated on the listing anniversary but
            # never before the document's start (docs/policy-decisions.md).
            window_start = xx22_start or recognized
            first_year = max(recognized.year, window_start.year)
            year_index = year - first_year + 1
            if not 1 <= year_index <= 3:
                continue
            day = max(_anniversary(recognized, year), window_start)
            inputs = {"year_index": year_index, "listed_on": recognized.isoformat()}
            if recognized < window_start:
                inputs["support_from"] = window_start.isoformat()
            out.append(Candidate(
                key=f"yearly:XX22-1:{institute.pk}:{year}", rule_code="XX22-1", institute=institute,
                payee_id=institute.payee_organization_id, payee_role="institute", event_date=day,
                facts={"year_index": year_index}, inputs=inputs,
            ))
        elif code == "SJZ22":
            if recognized.year == year:
                out.append(Candidate(
                    key=f"yearly:SJZ22-3:{institute.pk}", rule_code="SJZ22-3", institute=institute,
                    payee_id=institute.payee_organization_id, payee_role="institute", event_date=recognized,
                    facts={}, inputs={"recognized_on": recognized.isoformat()},
                ))
            cycle = cycle_ending(recognized.year, year, SJZ22_CYCLE_YEARS)
            if cycle is not None:
                grade = grades.get(institute.pk)
                if grade is None:
                    skip(institute, "SJZ22-4", _("no published grade for the cycle ending %(year)s") % {"year": year})
                else:
                    out.append(Candidate(
                        key=f"yearly:SJZ22-4:{institute.pk}:{year}", rule_code="SJZ22-4", institute=institute,
                        payee_id=institute.payee_organization_id, payee_role="institute",
                        event_date=grade.published_on, facts={"grade": grade.grade},
                        inputs={"grade": grade.grade, "cycle": str(cycle),
                                "grade_published_on": grade.published_on.isoformat()},
                    ))
    return out


def _cap_key(cap_period: str, institute_id: int, code: str, year: int, key: str):
    """The yearly awards cap per institute (ZZ23 五（一） "给予产业研究院", XX22 四（一）, SJZ22 四（三）（四）),
    not per payee: two institutes of one lead unit each have their own cap."""
    if cap_period == "year":
        return ("year", institute_id, code, year)
    if cap_period == "once":
        return ("once", institute_id, code)
    return ("claim", key)


def _paid_elsewhere(codes, year: int, institute_ids) -> dict:
    """What the institutes already have under these rules outside this run (claims), per cap key:
    one aggregate per period kind instead of one query per row."""
    live = Entitlement.objects.live().filter(rule_code__in=codes, source=Entitlement.Source.CLAIM,
                                             institute__isnull=False)
    if institute_ids is not None:
        live = live.filter(institute_id__in=institute_ids)
    paid = defaultdict(lambda: ZERO)
    for row in live.filter(year=year).values("institute_id", "rule_code").annotate(total=Sum("amount")):
        paid[("year", row["institute_id"], row["rule_code"], year)] += row["total"]
    for row in live.values("institute_id", "rule_code").annotate(total=Sum("amount")):
        paid[("once", row["institute_id"], row["rule_code"])] += row["total"]
    return paid


# How the inputs an entitlement was computed from are named when a change is explained.
INPUT_LABELS = {
    "grade": gettext_lazy("grade"),
    "funding_input": gettext_lazy("funding input"),
    "year_index": gettext_lazy("year after recognition"),
    "grade_published_on": gettext_lazy("grade published on"),
    "listed_on": gettext_lazy("listed on"),
    "recognized_on": gettext_lazy("recognised on"),
    "cycle": gettext_lazy("evaluation cycle"),
    "support_from": gettext_lazy("supported from"),
    "facts": gettext_lazy("facts"),
    "subject": gettext_lazy("subject of the claim"),
    "claim": gettext_lazy("claim"),
}


def _shown_input(name: str, value) -> str:
    if value is None:
        return "-"
    if name == "grade" and value in Grade.values:
        return str(Grade(value).label)
    return str(value)


def _describe_change(old: Entitlement, inputs: dict) -> str:
    changes = [
        _("%(name)s %(old)s → %(new)s") % {
            "name": INPUT_LABELS.get(name, name), "old": _shown_input(name, old.inputs.get(name)),
            "new": _shown_input(name, value),
        }
        for name, value in sorted(inputs.items())
        if old.inputs.get(name) != value
    ]
    return "; ".join(changes) or _("rule version or cap changed")


def _money_event(entitlement, action: str, label, *, actor, old, new, reason, run):
    """The audit event of one money change of the yearly job: old and new amount, the reason, the run."""
    return audit_event(
        entitlement, action=action, action_label=label, actor=actor, to_state=entitlement.state,
        comment=str(reason),
        data={"old": None if old is None else str(old), "new": str(new), "reason": str(reason),
              "run": getattr(run, "pk", None), "rule": entitlement.rule_code, "year": entitlement.year},
    )


@transaction.atomic
def compute_yearly(program, year: int, *, actor=None, run=None) -> RunResult:
    """Compute (or recompute) the program's yearly entitlements for `year`. `actor` (the run's
    requester) is named on the audit event of every money change."""
    from institutes.models import Institute, Program

    Program.objects.select_for_update().filter(pk=program.pk).first()  # one run per program at a time
    result = RunResult()
    codes = YEARLY_CODES.get(program.code, ())
    if not codes:
        return result
    versions = load_versions(codes)
    result.rule_source = versions.source
    institutes = list(
        Institute.objects.filter(program=program, is_cultivation_unit=False)
        .exclude(state=Institute.State.CANCELLED)
        .only(*INSTITUTE_FIELDS)
        .order_by("pk")
    )
    barred = _barred(institutes, year)
    candidates = []
    for candidate in _candidates(program, year, institutes, result, versions):
        reason = barred.get(candidate.institute.pk) or _revoked_by(candidate.institute, candidate.event_date)
        if reason:
            result.skipped.append({"institute": candidate.institute.pk, "name": candidate.institute.name,
                                   "rule": candidate.rule_code, "reason": str(reason)})
        else:
            candidates.append(candidate)
    existing = {
        e.key: e for e in Entitlement.objects.filter(program=program, source=Entitlement.Source.YEARLY, year=year)
    }
    paid = _paid_elsewhere(codes, year, None if len(candidates) > 500 else {c.institute.pk for c in candidates})
    now = timezone.now()
    new, changed, to_recompute, to_cancel = [], [], [], []
    events = []
    seen = set()
    for candidate in candidates:
        seen.add(candidate.key)
        version = select_version(versions.versions, candidate.rule_code, candidate.event_date)
        cap_key = _cap_key(version.cap_period if version else "claim", candidate.institute.pk, candidate.rule_code,
                           year, candidate.key)
        answer = quote(
            {"rule": candidate.rule_code, "date": candidate.event_date, "facts": candidate.facts,
             "paid_in_period": paid[cap_key]},
            versions.versions,
        )
        amount = sum(
            (Decimal(p["amount"]) for p in answer["payouts"] if p["payee"] == candidate.payee_role), ZERO
        )
        paid[cap_key] += amount
        old = existing.get(candidate.key)
        row = versions.row_for(candidate.rule_code, candidate.event_date)
        if amount <= 0:
            if old is not None and old.state in Entitlement.OPEN_STATES:
                to_cancel.append((old, answer["trace"][-1]))
            elif old is None:
                result.skipped.append({"institute": candidate.institute.pk, "name": candidate.institute.name,
                                       "rule": candidate.rule_code, "reason": answer["trace"][-1]})
            continue
        if old is None:
            new.append(Entitlement(
                program=program, rule_code=candidate.rule_code, rule_version=row, source=Entitlement.Source.YEARLY,
                institute=candidate.institute, payee_id=candidate.payee_id, payee_role=candidate.payee_role,
                year=year, event_date=candidate.event_date, amount=amount, trace=answer["trace"],
                inputs=candidate.inputs, key=candidate.key,
            ))
            continue
        if (old.amount == amount and old.inputs == candidate.inputs and old.event_date == candidate.event_date
                and old.payee_id == candidate.payee_id):
            result.unchanged += 1
            continue
        reason = _describe_change(old, candidate.inputs)
        if old.payee_id != candidate.payee_id:
            reason = f"{reason}; {_('payee changed')}" if old.inputs != candidate.inputs else _("payee changed")
        if old.state not in Entitlement.OPEN_STATES:
            result.conflicts.append({
                "entitlement": old.pk, "key": old.key, "state": old.state, "old": str(old.amount), "new": str(amount),
                "reason": reason,
            })
            continue
        old.history = [*old.history, {
            "old": str(old.amount), "new": str(amount), "reason": reason, "at": now.isoformat(),
            "inputs_before": old.inputs, "inputs_after": candidate.inputs,
        }]
        old.trace = [*answer["trace"], _("Revised on %(day)s from %(old)s to %(new)s: %(reason)s.") % {
            "day": timezone.localdate().isoformat(), "old": yuan_wan(old.amount), "new": yuan_wan(amount),
            "reason": reason,
        }]
        if old.amount != amount and old.state == Entitlement.State.APPROVED:
            to_recompute.append(old)
        events.append(_money_event(old, "yearly_amount_changed", _("Amount changed by the yearly run"), actor=actor,
                                   old=old.amount, new=amount, reason=reason, run=run))
        old.amount, old.inputs, old.event_date, old.rule_version = amount, candidate.inputs, candidate.event_date, row
        old.payee_id = candidate.payee_id
        old.updated_at = now
        changed.append(old)
    # Entitlements of this program-year whose institute no longer qualifies at all (e.g. revoked since).
    skipped_because = {row["institute"]: row["reason"] for row in result.skipped}
    for key, old in existing.items():
        if key not in seen and old.state in Entitlement.OPEN_STATES:
            to_cancel.append((old, skipped_because.get(old.institute_id) or _("no longer due")))
    Entitlement.objects.bulk_create(new)
    Entitlement.objects.bulk_update(changed, ["amount", "inputs", "event_date", "rule_version", "payee", "history",
                                              "trace", "updated_at"])
    events += [
        _money_event(e, "yearly_created", _("Computed by the yearly run"), actor=actor, old=None, new=e.amount,
                     reason=e.trace[-1] if e.trace else "", run=run)
        for e in new
    ]
    if to_recompute:  # an approved amount changed, so it needs a new approval
        transition_many(to_recompute, "recompute", None,
                        comment=_("The yearly run changed the amount; review it again."),
                        data={"run": getattr(run, "pk", None)})
    if to_cancel:
        reasons = {e.pk: str(reason) for e, reason in to_cancel}
        transition_many([e for e, _reason in to_cancel], "cancel", None, comment=_("Cancelled by the yearly run."),
                        data={"run": getattr(run, "pk", None)}, reasons=reasons)
        events += [
            _money_event(e, "yearly_cancelled", _("Cancelled by the yearly run"), actor=actor, old=e.amount,
                         new=Decimal("0.00"), reason=reason, run=run)
            for e, reason in to_cancel
        ]
    record_events(events)
    result.created, result.updated, result.cancelled = len(new), len(changed), len(to_cancel)
    return result


# ---- finance review ------------------------------------------------------------------------------------

def approve(entitlement, user, *, request=None, comment=""):
    return transition(entitlement, "approve", user, comment=comment, request=request)


def hold(entitlement, user, *, reason: str, request=None):
    return transition(entitlement, "hold", user, comment=reason, request=request)


def release(entitlement, user, *, request=None, comment=""):
    return transition(entitlement, "release", user, comment=comment, request=request)


def retry(entitlement, user, *, request=None, comment=""):
    return transition(entitlement, "retry", user, comment=comment, request=request)

"""Reads of the rule versions: the versions the calculator quotes with, and the rule lists of the
calculator page and the program managers' rule pages. No cache: one query each, so a version a
second manager approves applies to the next quote. Only approved versions quote (`quoting()`): a
proposal, a rejected or withdrawn one and a retired one are shown on the managers' pages only."""
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from subsidies.calculator import DEFAULT_VERSIONS, RuleVersion, select_version
from subsidies.calculator.labels import parameter_label, parameter_value, same_value
from subsidies.models import PolicyRuleVersion


def versions_in_force() -> list[RuleVersion]:
    """Every version kept in the database as the calculator's RuleVersion (one query); the catalog
    when the table is empty (a database the data migration has not filled)."""
    rows = list(PolicyRuleVersion.objects.quoting())
    if not rows:
        return list(DEFAULT_VERSIONS)
    return [row.as_rule_version() for row in rows]


def version_row_for(code: str, day: date) -> PolicyRuleVersion | None:
    """The database row of the version of `code` in force on `day` (the engine's own choice)."""
    rows = list(PolicyRuleVersion.objects.quoting().of_code(code))
    pairs = [(row.as_rule_version(), row) for row in rows]
    chosen = select_version([version for version, _row in pairs], code, day)
    return next((row for version, row in pairs if version is chosen), None)


@dataclass
class RuleEntry:
    """One rule code, shown by its latest version, with every version of it."""

    code: str
    latest: PolicyRuleVersion
    versions: list

    @property
    def document(self) -> str:
        return self.latest.document


@dataclass
class DocumentGroup:
    document: str
    rules: list[RuleEntry]


def _grouped(rows) -> list[DocumentGroup]:
    entries = []
    for code, versions in groupby(rows, key=lambda row: row.code):
        versions = list(versions)
        entries.append(RuleEntry(code=code, latest=versions[-1], versions=versions))
    entries.sort(key=lambda entry: (entry.document, _code_order(entry.code)))
    return [
        DocumentGroup(document=document, rules=list(rules))
        for document, rules in groupby(entries, key=lambda entry: entry.document)
    ]


def _code_order(code: str):
    """ZZ23-4 before ZZ23-4B before ZZ23-6A before ZZ23-11: numbers as numbers."""
    prefix, _sep, rest = code.partition("-")
    digits = "".join(ch for ch in rest if ch.isdigit())
    return (prefix, int(digits) if digits else 0, rest)


def rules_by_document(codes=None) -> list[DocumentGroup]:
    """Every rule code grouped by document (one query), optionally only `codes`."""
    rows = PolicyRuleVersion.objects.quoting().order_by("code", "effective_from", "pk")
    if codes is not None:
        rows = rows.filter(code__in=codes)
    return _grouped(rows)


def calculator_rules() -> tuple[list[DocumentGroup], list[RuleVersion]]:
    """What the calculator page reads, from one query instead of two: rules_by_document() and
    versions_in_force() over the same quoting rows (the catalog's versions when the table is empty)."""
    rows = list(PolicyRuleVersion.objects.quoting().order_by("code", "effective_from", "pk"))
    if not rows:
        return [], list(DEFAULT_VERSIONS)
    return _grouped(rows), [row.as_rule_version() for row in rows]


def managed_rules_by_document(user) -> list[DocumentGroup]:
    """The rules of the programs `user` manages, grouped by document, with every version (one query)."""
    rows = PolicyRuleVersion.objects.managed_by(user).select_related("created_by").order_by(
        "code", "effective_from", "pk"
    )
    return _grouped(rows)


def latest_version(code: str) -> PolicyRuleVersion | None:
    """The latest approved version of `code` (the one a new version supersedes and is prefilled from)."""
    return PolicyRuleVersion.objects.quoting().of_code(code).order_by("-effective_from", "-pk").first()


def awaiting_my_decision(user) -> list[PolicyRuleVersion]:
    """The proposals and retirements of `user`'s programs started by someone else (one query):
    the program manager's to-do, shown first on the rule list."""
    return list(PolicyRuleVersion.objects.awaiting_decision_of(user).select_related("created_by", "retirement_requested_by")
                .order_by("created_at", "pk"))


@dataclass
class VersionHistory:
    """One version on its rule's page: the row, the day a later approved version supersedes it,
    its audit events (proposal with the parameter diff, decisions with actor and reason)."""

    row: PolicyRuleVersion
    superseded_on: date | None
    events: list

    @property
    def changes(self) -> list:
        """The proposal's audited parameter diff, each row in words for the page: the parameter's label
        (金额 · 新三板挂牌 · 衍生企业, never `amounts.neeq.enterprise`), old and new values in 元/万元, %, or by
        their labels, and whether it changed (amounts compared as numbers)."""
        proposal = next((event for event in self.events if event.action == "propose_rule_version"), None)
        if proposal is None:
            return []
        code = self.row.code
        return [
            {**change, "label": parameter_label(change["name"], code),
             "old_shown": parameter_value(change["name"], change["old"], code),
             "new_shown": parameter_value(change["name"], change["new"], code),
             "changed": not same_value(change["old"], change["new"])}
            for change in proposal.data.get("changes", [])
        ]


def rule_history(user, code: str) -> list[VersionHistory]:
    """Every version of `code` in `user`'s programs, newest first, with its audit events (two
    queries); empty when the code is not theirs (the view answers 404)."""
    from django.contrib.contenttypes.models import ContentType

    from portal.audit.models import AuditEvent

    rows = list(PolicyRuleVersion.objects.managed_by(user).of_code(code).select_related(
        "program", "created_by", "decided_by", "retirement_requested_by", "retired_by").order_by("-effective_from", "-pk"))
    if not rows:
        return []
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(PolicyRuleVersion), object_id__in=[row.pk for row in rows]
    ).select_related("actor").order_by("created_at", "pk")
    by_row = {}
    for event in events:
        by_row.setdefault(event.object_id, []).append(event)
    approved_starts = [row.effective_from for row in rows if row.state in PolicyRuleVersion.QUOTING]
    return [
        VersionHistory(
            row=row, events=by_row.get(row.pk, []),
            superseded_on=min((day for day in approved_starts if day > row.effective_from), default=None)
            if row.state in PolicyRuleVersion.QUOTING else None,
        )
        for row in rows
    ]

"""Reads of the rule versions: the versions the calculator quotes with, and the rule lists of the
calculator page and the program managers' rule pages. No cache: one query each, so a version a
manager adds applies to the next quote."""
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from subsidies.calculator import DEFAULT_VERSIONS, RuleVersion, select_version
from subsidies.models import PolicyRuleVersion


def versions_in_force() -> list[RuleVersion]:
    """Every version kept in the database as the calculator's RuleVersion (one query); the catalog
    when the table is empty (a database the data migration has not filled)."""
    rows = list(PolicyRuleVersion.objects.all())
    if not rows:
        return list(DEFAULT_VERSIONS)
    return [row.as_rule_version() for row in rows]


def version_row_for(code: str, day: date) -> PolicyRuleVersion | None:
    """The database row of the version of `code` in force on `day` (the engine's own choice)."""
    rows = list(PolicyRuleVersion.objects.of_code(code))
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
    rows = PolicyRuleVersion.objects.order_by("code", "effective_from", "pk")
    if codes is not None:
        rows = rows.filter(code__in=codes)
    return _grouped(rows)


def managed_rules_by_document(user) -> list[DocumentGroup]:
    """The rules of the programs `user` manages, grouped by document, with every version (one query)."""
    rows = PolicyRuleVersion.objects.managed_by(user).select_related("created_by").order_by(
        "code", "effective_from", "pk"
    )
    return _grouped(rows)


def latest_version(code: str) -> PolicyRuleVersion | None:
    return PolicyRuleVersion.objects.of_code(code).order_by("-effective_from", "-pk").first()

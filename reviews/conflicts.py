"""Conflicts of interest between experts and the items a panel reviews.

An expert conflicts with an item (an application, or an institute — then with its lead unit and the
units and "experts to avoid" of the application it came from) when

- the expert's current employer,
- a former employer whose employment ended less than `FORMER_EMPLOYER_YEARS` (3) years ago, or
- an organisation the expert declared a tie to

is the item's lead unit or one of its participating units (matched by unified social credit code);
or when the expert's name starts a line of the application's "experts to avoid" list (one name per
line, followed by the reason after a space or a punctuation mark; "1." or "一、" numbering is fine).

`find_conflicts(experts, items)` answers for a whole candidate pool in a constant number of queries:
the items' parties, then one query per kind of conflict, whatever the number of experts.
"""
import datetime
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from institutes.models import Application, Institute

from .models import PanelItem
from .panel_rules import FORMER_EMPLOYER_YEARS

EMPLOYER = "employer"
FORMER_EMPLOYER = "former_employer"
TIE = "tie"
AVOID_LIST = "avoid_list"

LEAD_UNIT = "lead_unit"
PARTICIPANT = "participant"
PARTY_LABELS = {LEAD_UNIT: _("lead unit"), PARTICIPANT: _("participating unit")}

MESSAGES = {
    EMPLOYER: _("works for %(organization)s, the %(party)s of %(item)s"),
    FORMER_EMPLOYER: _("worked for %(organization)s until %(detail)s; it is the %(party)s of %(item)s"),
    TIE: _("declared a tie to %(organization)s (%(detail)s), the %(party)s of %(item)s"),
    AVOID_LIST: _("is named on the “experts to avoid” list of %(item)s"),
}

NAME_MAX_LENGTH = 64
NUMERAL = r"(?:\d+|[一二三四五六七八九十]+)"
NUMBERING = re.compile(rf"^\s*(?:[(（]\s*{NUMERAL}\s*[)）]|{NUMERAL}[.、．:：)）])\s*")  # "(1)", "1.", "一、"


@dataclass(frozen=True)
class ConflictReason:
    """Why an expert may not sit on a panel; `str()` is the translated sentence."""

    kind: str
    item: str
    organization: str = ""
    party: str = ""
    detail: str = ""

    def __str__(self):
        return str(MESSAGES[self.kind]) % {
            "item": self.item, "organization": self.organization, "detail": self.detail,
            "party": PARTY_LABELS.get(self.party, ""),
        }

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value}

    @classmethod
    def from_dict(cls, data: dict) -> "ConflictReason":
        return cls(**data)


@dataclass(frozen=True)
class Party:
    item: str
    uscc: str
    name: str
    role: str


@dataclass(frozen=True)
class ItemParties:
    """An item as the conflict rules see it: its label, its units and its avoid list."""

    label: str
    parties: tuple[Party, ...]
    experts_to_avoid: str


def find_conflicts(
    experts: QuerySet, items: Iterable, *, today: datetime.date | None = None,
) -> dict[int, list[ConflictReason]]:
    """{expert id: reasons} for every expert of `experts` who conflicts with any of `items`
    (applications, institutes or panel items)."""
    described = describe_items(items)
    by_uscc = defaultdict(list)
    for item in described:
        for party in item.parties:
            by_uscc[party.uscc].append(party)
    cutoff = years_before(today or timezone.localdate(), FORMER_EMPLOYER_YEARS)
    reasons = defaultdict(list)
    if by_uscc:
        _employer_conflicts(experts, by_uscc, reasons)
        _former_employer_conflicts(experts, by_uscc, cutoff, reasons)
        _tie_conflicts(experts, by_uscc, reasons)
    _avoid_list_conflicts(experts, described, reasons)
    return dict(reasons)


def describe_items(items: Iterable) -> list[ItemParties]:
    """The parties and avoid lists of applications, institutes and panel items (four queries at most)."""
    application_ids, institute_ids = set(), set()
    for item in items:
        if isinstance(item, PanelItem) and item.application_id:
            application_ids.add(item.application_id)
        elif isinstance(item, PanelItem):
            institute_ids.add(item.institute_id)
        elif isinstance(item, Application):
            application_ids.add(item.pk)
        elif isinstance(item, Institute):
            institute_ids.add(item.pk)
        else:
            raise TypeError(f"not an application, institute or panel item: {item!r}")
    described = []
    if application_ids:
        applications = Application.objects.filter(pk__in=application_ids).select_related("organization")
        for application in applications.prefetch_related("participants").order_by("pk"):
            described.append(_application_parties(application, str(application), application.organization))
    if institute_ids:
        institutes = Institute.objects.filter(pk__in=institute_ids).select_related("lead_unit", "application")
        for institute in institutes.prefetch_related("application__participants").order_by("pk"):
            described.append(_application_parties(institute.application, institute.name, institute.lead_unit))
    return described


def _application_parties(application, label: str, lead_unit) -> ItemParties:
    parties = [Party(label, lead_unit.uscc, lead_unit.name, LEAD_UNIT)]
    if application is not None:
        parties += [Party(label, p.uscc, p.name, PARTICIPANT) for p in application.participants.all()]
    return ItemParties(label, tuple(parties), application.experts_to_avoid if application is not None else "")


def _employer_conflicts(experts, by_uscc, reasons):
    for pk, uscc in experts.filter(employer_uscc__in=list(by_uscc)).values_list("pk", "employer_uscc"):
        for party in by_uscc[uscc]:
            reasons[pk].append(ConflictReason(EMPLOYER, party.item, party.name, party.role))


def _former_employer_conflicts(experts, by_uscc, cutoff, reasons):
    rows = experts.filter(employments__employer_uscc__in=list(by_uscc), employments__ended_on__gt=cutoff).values_list(
        "pk", "employments__employer_uscc", "employments__ended_on"
    ).order_by("pk", "-employments__ended_on")
    for pk, uscc, ended_on in rows:
        for party in by_uscc[uscc]:
            reasons[pk].append(ConflictReason(FORMER_EMPLOYER, party.item, party.name, party.role, ended_on.isoformat()))


def _tie_conflicts(experts, by_uscc, reasons):
    rows = experts.filter(ties__organization_uscc__in=list(by_uscc)).values_list(
        "pk", "ties__organization_uscc", "ties__description"
    ).order_by("pk", "ties__pk")
    for pk, uscc, description in rows:
        for party in by_uscc[uscc]:
            reasons[pk].append(ConflictReason(TIE, party.item, party.name, party.role, description))


def _avoid_list_conflicts(experts, described, reasons):
    items_naming = defaultdict(list)
    for item in described:
        for name in names_on_avoid_list(item.experts_to_avoid):
            items_naming[name].append(item.label)
    if not items_naming:
        return
    for pk, name in experts.filter(name__in=list(items_naming)).values_list("pk", "name").order_by("pk"):
        for label in items_naming[name]:
            reasons[pk].append(ConflictReason(AVOID_LIST, label))


def names_on_avoid_list(text: str) -> set[str]:
    """Every name a line of the list may begin with: the line up to each space or punctuation mark
    (a name is matched whole — "张三丰" does not name 张三 — and may itself hold a space or a "·")."""
    names = set()
    for line in (text or "").splitlines():
        line = NUMBERING.sub("", line, count=1).strip()
        for end, char in enumerate(line):
            if _ends_a_name(char):
                names.add(line[:end].strip())
        names.add(line)
    return {name for name in names if 0 < len(name) <= NAME_MAX_LENGTH}


def _ends_a_name(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PS"


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)

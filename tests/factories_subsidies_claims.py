"""Factories for the claim and rule tests: claims in any state (made directly, without the
workflow, for view tests), bulk claims for query counts, and barred units."""
import datetime
import itertools
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from institutes.models import AnnualGrade, Grade, Institute
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from subsidies.awards import identifier_of
from subsidies.models import Claim, ClaimAttachment, PolicyRuleVersion
from subsidies.scope import RULE_ROLES, SCOPES, SPIN_OFF, scope_of
from subsidies.services.claims import ClaimData, create_claim
from tests.factories import PDF_BYTES, OrganizationFactory, UserFactory, applicant, institute, program, region

_serials = itertools.count(700000)
EVENT = datetime.date(2024, 5, 10)
FACTS = {
    "ZZ23-3": {"investment": "8000000"},
    "ZZ23-9A": {"level": "national"},
    "ZZ23-6B": {"sales": "20000000"},
    "XX22-3": {"board": "neeq"},
    "XX22-11": {"revenue": "6000000", "previous_peak_revenue": "4000000"},
    "ZZ17-11": {"role": "user", "fees": "100000", "rate": "0.30"},
    "ZZ17-10A": {},
    "SJZ22-6": {"approved_amount": "900000"},
}


def identifier_for(code: str, subject: str) -> str:
    """A valid award identifier for rules paid once per thing: the subject when it is one (e.g. a
    standard number), else one derived from it (the same subject, the same identifier)."""
    kind = identifier_of(code)
    if kind is None:
        return ""
    if kind.error(subject) is None:
        return subject
    digits = f"{zlib.crc32(subject.encode()) % 10**12:012d}"
    return {"patent_number": f"ZL{digits}.1", "standard_number": f"GB/T {digits[:5]}-2024"}.get(kind.kind, subject)


def unit_in(region_code: str, **kwargs) -> Organization:
    return OrganizationFactory(region=region(region_code), **kwargs)


def covered_institute(organization, program_code: str, **fields) -> Institute:
    """An operating institute of `program_code` led by `organization` (XX22: registered from the province)."""
    unit = institute(organization, code=program_code)
    if SCOPES[program_code].provincial_only or fields:
        values = {"registered_from_province": SCOPES[program_code].provincial_only, **fields}
        Institute.objects.filter(pk=unit.pk).update(**values)
        unit.refresh_from_db()
    return unit


def _in_scope(user, code, institute, payees):
    """The institute and payees that put the claim inside its program's scope (subsidies.scope):
    the unit's own institute where the rule pays the institute, else a new institute of which the
    claimant is the spin-off, with the institute's share to its lead unit."""
    scope = scope_of(code)
    if scope is None or not scope.needs_institute or institute is not None:
        return institute, payees
    program_code = scope.institute_programs[0]
    roles = RULE_ROLES.get(code)
    kinds = set(roles.roles.values()) if roles else {scope.default_role}
    own = Institute.objects.filter(lead_unit=user.organization, program__code=program_code).first()
    if SPIN_OFF not in kinds:
        return own or covered_institute(user.organization, program_code), payees
    parent = covered_institute(unit_in(scope.region if scope.region != "410000" else "410105"), program_code)
    if roles and "institute" in roles.roles and payees is None:
        payees = {"institute": parent.lead_unit}
    return parent, payees


def applicant_for(code: str):
    """An applicant whose unit lies in the region of the rule's program."""
    scope = scope_of(code)
    where = {"410100": "410105", "410700": "410702", "130100": "130102", "410000": "410105"}
    return applicant(unit_in(where[scope.region])) if scope else applicant()


def add_file(item: Claim, name="证明材料.pdf") -> ClaimAttachment:
    """One evidence file on the claim (made directly, without an audit event)."""
    return ClaimAttachment.store(SimpleUploadedFile(name, PDF_BYTES), item.created_by, claim=item)


def claim(user=None, code="ZZ23-3", *, facts=None, event_date=EVENT, subject="事项一", payees=None,
          institute=None, scoped=True, evidence=True, award_identifier=None) -> Claim:
    """A draft claim filed through the service by `user` (a new applicant of the program's region when
    None). `scoped`: name an institute (and the institute's payee) that puts it inside its program's
    scope; `evidence`: with one evidence file."""
    user = user or applicant_for(code)
    if scoped:
        institute, payees = _in_scope(user, code, institute, payees)
    item = create_claim(user, code, ClaimData(
        event_date=event_date, subject=subject, facts=FACTS.get(code, {}) if facts is None else facts,
        institute=institute, payees=payees,
        award_identifier=identifier_for(code, subject) if award_identifier is None else award_identifier,
    ))
    if evidence:
        add_file(item)
    return item


def in_state(item: Claim, state: str, **fields) -> Claim:
    """Put a claim in `state` without the workflow (for view tests)."""
    values = {"state": state, **fields}
    if state != Claim.State.DRAFT and "submitted_at" not in values:
        values["submitted_at"] = timezone.now()
    Claim.objects.filter(pk=item.pk).update(**values)
    item.refresh_from_db()
    return item


def claims(n, code="ZZ23-3", *, state=Claim.State.SUBMITTED, organization=None) -> list[Claim]:
    """n claims made with one bulk insert, each from its own organisation unless one is given."""
    row = PolicyRuleVersion.objects.quoting().filter(code=code).order_by("-effective_from").first()
    where = region("410105")
    organizations = [organization] * n if organization else Organization.objects.bulk_create([
        Organization(name=f"申领企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
        for serial in (next(_serials) for _ in range(n))
    ])
    creator = UserFactory(role="applicant", organization=organizations[0])
    start = next(_serials)
    return Claim.objects.bulk_create([
        Claim(
            program=row.program, rule_code=code, rule_version=row, organization=org, created_by=creator,
            reference=f"BZ-T-{start}-{i:04d}", event_date=EVENT, subject=f"批量事项{i}", facts=FACTS.get(code, {}),
            state=state, submitted_at=timezone.now(), quote={"payouts": [{"payee": "enterprise", "amount": "100.00"}]},
            quoted_amount="100.00",
        )
        for i, org in enumerate(organizations)
    ])


def graded(organization, year, grade=Grade.FAIL, code="ZZ23") -> AnnualGrade:
    """A published grade of an institute of `organization` for `year`."""
    unit = institute(organization, code=code)
    return AnnualGrade.objects.create(institute=unit, year=year, grade=grade, published_on=datetime.date(year + 1, 3, 1))


def revoked(organization) -> Institute:
    return institute(organization, state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 1, 5))


def other_organization():
    return OrganizationFactory()


def rule_program(code="ZZ23"):
    return program(code)

"""Factories for entitlements, payout batches, recoveries and the yearly run's inputs."""
import datetime
import itertools
from decimal import Decimal

from institutes.models import AnnualGrade, AnnualReport, Grade, Institute, Program
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from subsidies.models import Entitlement, PayeeAccount, PayoutBatch, PayoutLine
from tests.factories import OrganizationFactory, UserFactory, program, region
from tests.factories_institutes_annual import recognised, report

_serials = itertools.count(880000)
_keys = itertools.count(1)


def finance_user(**kwargs):
    """A finance officer of 郑州市财政局 (serves the city region 410100) unless `region_codes` says otherwise."""
    kwargs.setdefault("region_codes", ["410100"])
    return UserFactory(role="finance", department="finance", **kwargs)


def zz23_year_inputs(institute, year, grade=Grade.GOOD, funding_input="3000000.00", *, published_on=None):
    """The published grade and the accepted report the ZZ23-1 subsidy of `year` reads."""
    AnnualGrade.objects.create(institute=institute, year=year, grade=grade,
                               published_on=published_on or datetime.date(year + 1, 5, 1))
    return report(institute, year=year, state=AnnualReport.State.ACCEPTED, funding_input=Decimal(funding_input))


def entitlement(payee=None, *, code="ZZ23", rule_code="ZZ23-1", amount="1000000.00", year=2024,
                state=Entitlement.State.COMPUTED, institute=None, source=Entitlement.Source.YEARLY,
                **extra) -> Entitlement:
    payee = payee or OrganizationFactory()
    return Entitlement.objects.create(
        program=program(code), rule_code=rule_code, source=source, payee=payee,
        payee_role="institute", year=year, event_date=datetime.date(year, 6, 1), amount=Decimal(amount),
        trace=["测试计算"], inputs={}, key=f"test:{next(_keys)}", state=state, institute=institute, **extra,
    )


def approved_accounts(orgs, *, proposer=None, approver=None):
    """An approved bank account for each organisation (entered by one finance officer, approved by another)."""
    proposer = proposer or finance_user()
    approver = approver or finance_user()
    return PayeeAccount.objects.bulk_create([
        PayeeAccount(organization=org, holder=org.name, bank="中国建设银行郑州金水支行",
                     number=f"41050100{org.pk:010d}", state=PayeeAccount.State.APPROVED, proposed_by=proposer,
                     approved_by=approver)
        for org in orgs
    ])


def many_entitlements(n, *, code="ZZ23", state=Entitlement.State.APPROVED, region_code="410105", year=2024,
                      accounts=True):
    """n entitlements of n new payees, each with an approved bank account unless `accounts=False`."""
    where = region(region_code)
    orgs = Organization.objects.bulk_create([
        Organization(name=f"付款企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
        for serial in (next(_serials) for _ in range(n))
    ])
    if accounts:
        approved_accounts(orgs)
    prog = program(code)
    return Entitlement.objects.bulk_create([
        Entitlement(program=prog, rule_code="ZZ23-1", source=Entitlement.Source.YEARLY, payee=org,
                    payee_role="institute", year=year, event_date=datetime.date(year, 6, 1),
                    amount=Decimal("1000000.00") + i, trace=[], inputs={}, key=f"bulk:{next(_keys)}", state=state)
        for i, org in enumerate(orgs)
    ])


def batch_with_lines(builder, n=3, *, state=PayoutBatch.State.DRAFT, line_state=PayoutLine.State.PENDING,
                     code="ZZ23", region_code="410105", approver=None) -> PayoutBatch:
    """A batch put in `state` directly (not through the workflow), with n lines of batched entitlements."""
    entitlement_state = {PayoutLine.State.PAID: Entitlement.State.PAID,
                         PayoutLine.State.FAILED: Entitlement.State.FAILED}.get(line_state, Entitlement.State.BATCHED)
    rows = many_entitlements(n, code=code, state=entitlement_state, region_code=region_code)
    batch = PayoutBatch.objects.create(reference=f"PBT-{next(_keys)}", built_by=builder, state=state,
                                       approved_by=approver, line_count=n, authority_id=program(code).region_id,
                                       total=sum((e.amount for e in rows), Decimal("0.00")))
    PayoutLine.objects.bulk_create([
        PayoutLine(batch=batch, entitlement=e, program_id=e.program_id, payee=e.payee, district=e.payee.region,
                   rule_code=e.rule_code, year=e.year, amount=e.amount, state=line_state)
        for e in rows
    ])
    return batch


def yearly_institutes(n, *, code="ZZ23", recognized_on=datetime.date(2023, 3, 1), year=2024,
                      grade=Grade.GOOD, funding_input=Decimal("3000000.00")) -> list[Institute]:
    """n institutes with the year's published grade and accepted report, in bulk (bench and query tests)."""
    where = region("410105")
    orgs = Organization.objects.bulk_create([
        Organization(name=f"年度企业{serial}有限公司", region=where, uscc=make_uscc(where.code, serial))
        for serial in (next(_serials) for _ in range(n))
    ])
    from institutes.models import IndustryField

    field = IndustryField.objects.first()
    prog = Program.objects.get(code=code)
    institutes = Institute.objects.bulk_create([
        Institute(program=prog, lead_unit=org, name=f"年度研究院{org.pk}", industry_field=field,
                  state=Institute.State.ACTIVE, recognized_on=recognized_on)
        for org in orgs
    ])
    AnnualGrade.objects.bulk_create([
        AnnualGrade(institute=i, year=year, grade=grade, published_on=datetime.date(year + 1, 5, 1))
        for i in institutes
    ])
    AnnualReport.objects.bulk_create([
        AnnualReport(institute=i, year=year, state=AnnualReport.State.ACCEPTED, funding_input=funding_input,
                     submission_round=1)
        for i in institutes
    ])
    return institutes


__all__ = ["finance_user", "approved_accounts", "recognised", "zz23_year_inputs", "entitlement", "many_entitlements",
           "batch_with_lines", "yearly_institutes"]

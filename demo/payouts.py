"""Demo entitlements and payouts: a second finance account (four-eyes), the 2024 ZZ23 grade subsidy of
the demo's ZZ23 institute computed by the yearly job, approved, and put in a payout batch built by
`finance` and approved by `finance2`, its lines pending so the demo can export and mark them paid.
Made through the services, so the timelines are real. Idempotent.

Wire it from demo.data.seed() after the institutes, grades and claims:  `payouts.seed(users, organizations)`.
The `finance2` account is one of demo.data.ACCOUNTS."""
import datetime
from decimal import Decimal

from django.db import transaction

from institutes.models import AnnualGrade, AnnualReport, Grade, Institute, Program
from subsidies.models import Entitlement, PayoutBatch
from subsidies.models.payouts import batch_payees_without_account
from subsidies.services import entitlements, payouts

YEAR = 2024  # the ZZ23 grade-subsidy year the demo pays


def _year_inputs(institute: Institute) -> None:
    """The published 2024 grade and accepted 2024 report, unless the grading/report demos made them."""
    AnnualGrade.objects.get_or_create(
        institute=institute, year=YEAR,
        defaults={"grade": Grade.GOOD, "score": Decimal("86.50"), "published_on": datetime.date(YEAR + 1, 4, 15)},
    )
    if not AnnualReport.objects.filter(institute=institute, year=YEAR).exists():
        AnnualReport.objects.create(
            institute=institute, year=YEAR, state=AnnualReport.State.ACCEPTED, summary="2024年度工作总结",
            plan="2025年度工作计划", budget=Decimal("6000000.00"), rd_spending=Decimal("7200000.00"),
            funding_input=Decimal("8600000.00"), new_achievements=14, technologies_transferred=6,
            invention_patents=5, standards=1, spin_offs=1, talents_introduced=8, submission_round=1,
            accepted_on=datetime.date(YEAR + 1, 3, 20),
        )


def _bank_accounts(batch, finance, second) -> None:
    """Each payee's bank account, entered by `finance` and approved by `finance2` (four-eyes)."""
    for organization in batch_payees_without_account(batch):
        account = payouts.propose_account(organization, finance, holder=organization.name, bank="中国工商银行郑州金水支行",
                                          number=f"1702 0211 0900 {organization.pk:06d}", reason="首次登记（演示）")
        payouts.approve_account(account, second, comment="演示：已核对开户许可证")


@transaction.atomic
def seed(users: dict, organizations: dict | None = None) -> dict:
    """Returns {"finance2": user, "batch": batch or None}."""
    second = users["finance2"]
    finance = users.get("finance")
    if finance is None or PayoutBatch.objects.exists():
        return {"finance2": second, "batch": PayoutBatch.objects.first()}
    zz23 = Program.objects.get(code="ZZ23")
    for institute in Institute.objects.filter(program=zz23, state=Institute.State.ACTIVE, is_cultivation_unit=False):
        if 1 <= YEAR - institute.recognized_on.year <= 3:
            _year_inputs(institute)
    entitlements.compute_yearly(zz23, YEAR)
    for entitlement in Entitlement.objects.filter(state=Entitlement.State.COMPUTED, program=zz23, year=YEAR):
        entitlements.approve(entitlement, finance, comment="演示：已核对资金投入")
    approved = Entitlement.objects.filter(state=Entitlement.State.APPROVED, program__region=zz23.region)
    batch = None
    if approved.exists():
        batch = payouts.build_batch(finance, approved, title=f"{YEAR}年度产业研究院补助资金第一批")
        _bank_accounts(batch, finance, second)
        payouts.approve_batch(batch, second, comment="演示：复核无误")
    return {"finance2": second, "batch": batch}

"""The yearly entitlement job: ZZ23-1, XX22-1, SJZ22-3/4 through the engine with the DB rule versions;
idempotent, revisions recorded, barred units skipped with the reason, caps across a payee's entitlements."""
import datetime
from decimal import Decimal

import pytest

from institutes.models import AnnualGrade, AnnualReport, Grade, Institute
from portal.workflow import transition
from subsidies.models import Claim, ClaimPayee, Entitlement, EntitlementRun
from subsidies.services import entitlements as services
from tests.factories import OrganizationFactory, UserFactory, program
from tests.factories_institutes_annual import recognised
from tests.factories_subsidies_payouts import entitlement, finance_user, yearly_institutes, zz23_year_inputs

pytestmark = pytest.mark.django_db

D = Decimal


def run(code, year):
    return services.compute_yearly(program(code), year)


def zz23(year=2024, grade=Grade.GOOD, funding="3000000.00", recognized_on=datetime.date(2023, 3, 1), org=None):
    institute = recognised(org, code="ZZ23", recognized_on=recognized_on)
    zz23_year_inputs(institute, year, grade, funding)
    return institute


def amount_of(institute, code="ZZ23-1"):
    return Entitlement.objects.get(institute=institute, rule_code=code).amount


# ---- ZZ23-1 ---------------------------------------------------------------------------------------

def test_zz23_grade_subsidy_is_half_the_funding_input_below_the_tier():
    institute = zz23(funding="3000000.00")
    result = run("ZZ23", 2024)
    assert result.created == 1
    e = Entitlement.objects.get(institute=institute)
    assert e.amount == D("1500000.00") and isinstance(e.amount, Decimal)
    assert (e.payee_id, e.payee_role, e.source, e.state) == (institute.lead_unit_id, "institute", "yearly", "computed")
    assert e.key == f"yearly:ZZ23-1:{institute.pk}:2024"
    assert e.rule_version is not None and e.rule_version.code == "ZZ23-1"
    assert e.inputs == {"grade": "good", "funding_input": "3000000.00", "year_index": 1,
                        "grade_published_on": "2025-05-01"}
    assert any("1,500,000.00 元" in line for line in e.trace)


@pytest.mark.parametrize(("funding", "expected"), [
    ("10000000.00", "5000000.00"),    # exactly 50 % equals the tier
    ("10000000.02", "5000000.00"),    # above: the tier
    ("9999999.98", "4999999.99"),     # below: half
    ("9999999.99", "5000000.00"),     # 4,999,999.995 rounded half up to the fen, at the end
    ("0.01", "0.01"),                 # 0.005 → 0.01 (half up)
])
def test_zz23_fifty_percent_cap_edges(funding, expected):
    institute = zz23(grade=Grade.GOOD, funding=funding)
    run("ZZ23", 2024)
    assert amount_of(institute) == D(expected)


@pytest.mark.parametrize(("year", "paid"), [(2023, False), (2024, True), (2025, True), (2026, True), (2027, False)])
def test_zz23_pays_from_the_year_after_recognition_for_three_years(year, paid):
    institute = zz23(year=year, recognized_on=datetime.date(2023, 12, 31))
    run("ZZ23", year)
    assert Entitlement.objects.filter(institute=institute).exists() is paid


def test_zz23_fail_grade_earns_nothing_and_missing_inputs_are_skipped_with_reasons():
    failed = zz23(grade=Grade.FAIL)
    no_grade = recognised(code="ZZ23", recognized_on=datetime.date(2023, 3, 1))
    no_report = recognised(code="ZZ23", recognized_on=datetime.date(2023, 3, 1))
    AnnualGrade.objects.create(institute=no_report, year=2024, grade=Grade.GOOD, published_on=datetime.date(2025, 5, 1))
    result = run("ZZ23", 2024)
    assert result.created == 0
    reasons = {row["institute"]: row["reason"] for row in result.skipped}
    assert set(reasons) == {failed.pk, no_grade.pk, no_report.pk}
    assert "not eligible" in reasons[failed.pk].lower() or "不" in reasons[failed.pk]


def test_barred_units_are_skipped_with_the_reason():
    failed_last_year = zz23()
    AnnualGrade.objects.create(institute=failed_last_year, year=2023, grade=Grade.FAIL,
                               published_on=datetime.date(2024, 5, 1))
    revoked = zz23()
    Institute.objects.filter(pk=revoked.pk).update(state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 9, 1))
    fine = zz23()
    result = run("ZZ23", 2024)
    assert list(Entitlement.objects.values_list("institute_id", flat=True)) == [fine.pk]
    reasons = {row["institute"]: row["reason"] for row in result.skipped}
    assert "2023" in reasons[failed_last_year.pk]
    assert "2024-09-01" in reasons[revoked.pk]


# ---- idempotency and revisions -------------------------------------------------------------------

def test_running_twice_creates_nothing_new():
    institutes = [zz23() for _ in range(3)]
    first = run("ZZ23", 2024)
    second = run("ZZ23", 2024)
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert Entitlement.objects.count() == len(institutes)


def test_corrected_grade_updates_the_amount_and_records_why():
    institute = zz23(grade=Grade.GOOD, funding="20000000.00")
    run("ZZ23", 2024)
    assert amount_of(institute) == D("5000000.00")
    AnnualGrade.objects.filter(institute=institute, year=2024).update(grade=Grade.EXCELLENT)
    result = run("ZZ23", 2024)
    assert (result.created, result.updated) == (0, 1)
    e = Entitlement.objects.get(institute=institute)
    assert e.amount == D("8000000.00")
    [revision] = e.history
    assert (revision["old"], revision["new"]) == ("5000000.00", "8000000.00")
    assert f"{Grade.GOOD.label} → {Grade.EXCELLENT.label}" in revision["reason"]
    assert revision["at"]
    assert "5,000,000.00 元" in e.trace[-1] and "8,000,000.00 元" in e.trace[-1]
    assert Entitlement.objects.count() == 1


def test_revised_funding_input_updates_an_approved_entitlement_and_sends_it_back_for_review():
    institute = zz23(funding="3000000.00")
    run("ZZ23", 2024)
    e = Entitlement.objects.get(institute=institute)
    transition(e, "approve", finance_user())
    AnnualReport.objects.filter(institute=institute, year=2024).update(funding_input=D("4000000.00"))
    run("ZZ23", 2024)
    e.refresh_from_db()
    assert (e.amount, e.state) == (D("2000000.00"), Entitlement.State.COMPUTED)
    assert "3000000.00 → 4000000.00" in e.history[-1]["reason"]


def test_a_change_to_a_batched_entitlement_is_reported_not_applied():
    institute = zz23(funding="3000000.00")
    run("ZZ23", 2024)
    Entitlement.objects.filter(institute=institute).update(state=Entitlement.State.BATCHED)
    AnnualReport.objects.filter(institute=institute, year=2024).update(funding_input=D("4000000.00"))
    result = run("ZZ23", 2024)
    assert amount_of(institute) == D("1500000.00")
    [conflict] = result.conflicts
    assert (conflict["old"], conflict["new"], conflict["state"]) == ("1500000.00", "2000000.00", "batched")


def test_a_unit_revoked_after_the_run_has_its_open_entitlement_cancelled():
    institute = zz23()
    run("ZZ23", 2024)
    Institute.objects.filter(pk=institute.pk).update(state=Institute.State.REVOKED, revoked_on=datetime.date(2025, 1, 5))
    result = run("ZZ23", 2024)
    assert result.cancelled == 1
    assert Entitlement.objects.get(institute=institute).state == Entitlement.State.CANCELLED


# ---- caps and split payees --------------------------------------------------------------------------

def test_cap_counts_the_institutes_other_entitlements_in_the_period():
    institute = zz23(grade=Grade.GOOD, funding="20000000.00")
    entitlement(institute.lead_unit, rule_code="ZZ23-1", amount="3000000.00", year=2024, institute=institute,
                source=Entitlement.Source.CLAIM)
    entitlement(institute.lead_unit, rule_code="ZZ23-1", amount="4000000.00", year=2023, institute=institute,
                source=Entitlement.Source.CLAIM)  # another year: another period
    entitlement(institute.lead_unit, rule_code="ZZ23-1", amount="4000000.00", year=2024,
                source=Entitlement.Source.CLAIM)  # the lead unit's, for no institute: not this cap
    run("ZZ23", 2024)
    assert Entitlement.objects.get(institute=institute, source=Entitlement.Source.YEARLY).amount == D("2000000.00")


def test_two_institutes_of_one_lead_unit_each_have_their_own_yearly_cap():
    """ZZ23 五（一）"对年度考核结果为优秀、良好、合格的产业研究院，分别给予最高800万元、500万元、100万元" — the cap
    is per institute: a lead unit with two institutes graded 优秀 and 良好 gets 800万 and 500万, not 800万
    and 0 (corrected reading, POLICY.md §5)."""
    org = OrganizationFactory()
    first = zz23(org=org, grade=Grade.EXCELLENT, funding="20000000.00")
    second = zz23(org=org, grade=Grade.GOOD, funding="20000000.00")
    result = run("ZZ23", 2024)
    assert amount_of(first) == D("8000000.00")
    assert amount_of(second) == D("5000000.00")
    assert result.created == 2
    assert run("ZZ23", 2024).unchanged == 2  # the same on a second run


def test_create_from_claim_makes_one_entitlement_per_payee_once():
    enterprise, institute_org = OrganizationFactory(), OrganizationFactory()
    user = UserFactory(role="applicant", organization=enterprise)
    claim = Claim.objects.create(
        program=program("XX22"), rule_code="XX22-3", organization=enterprise, event_date=datetime.date(2024, 3, 1),
        created_by=user, facts={"board": "neeq"},
        quote={"rule": "XX22-3", "eligible": True, "trace": ["t"],
               "payouts": [{"payee": "enterprise", "amount": "1000000.00"}, {"payee": "institute", "amount": "250000.00"}]},
    )
    ClaimPayee.objects.create(claim=claim, role="institute", organization=institute_org)
    first = services.create_from_claim(claim, user)
    second = services.create_from_claim(claim, user)
    assert {(e.payee_id, e.payee_role, e.amount) for e in first} == {
        (enterprise.pk, "enterprise", D("1000000.00")), (institute_org.pk, "institute", D("250000.00"))}
    assert {e.pk for e in second} == {e.pk for e in first}
    assert Entitlement.objects.filter(claim=claim).count() == 2
    assert {e.key for e in first} == {f"claim:{claim.pk}:enterprise", f"claim:{claim.pk}:institute"}


# ---- XX22 and SJZ22 ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("listed", "year", "expected"), [
    (datetime.date(2022, 12, 31), 2024, D("5000000.00")),   # year 3 on 2024-12-31: the window's last day
    (datetime.date(2023, 1, 1), 2025, None),                 # year 3 on 2025-01-01: outside the window
    (datetime.date(2022, 6, 1), 2022, D("5000000.00")),      # listing year is year 1
    (datetime.date(2022, 6, 1), 2025, None),                 # year 4
])
def test_xx22_creation_subsidy_inside_the_document_window(listed, year, expected):
    institute = recognised(code="XX22", recognized_on=listed)
    result = run("XX22", year)
    rows = list(Entitlement.objects.filter(institute=institute))
    if expected is None:
        assert rows == []
        if year - listed.year < 3:
            assert "outside the effective window" in result.skipped[0]["reason"] or "2025-01-01" in result.skipped[0]["reason"]
    else:
        assert [e.amount for e in rows] == [expected]
        assert rows[0].event_date.year == year


def test_sjz22_recognition_and_cycle_awards():
    new = recognised(code="SJZ22", recognized_on=datetime.date(2024, 4, 1))
    excellent = recognised(code="SJZ22", recognized_on=datetime.date(2022, 4, 1))
    good = recognised(code="SJZ22", recognized_on=datetime.date(2022, 4, 1))
    AnnualGrade.objects.create(institute=excellent, year=2024, grade=Grade.EXCELLENT, published_on=datetime.date(2025, 3, 1))
    AnnualGrade.objects.create(institute=good, year=2024, grade=Grade.GOOD, published_on=datetime.date(2025, 3, 1))
    result = run("SJZ22", 2024)
    assert amount_of(new, "SJZ22-3") == D("200000.00")
    assert amount_of(excellent, "SJZ22-4") == D("500000.00")
    assert not Entitlement.objects.filter(institute=good).exists()
    assert [row["institute"] for row in result.skipped] == [good.pk]
    assert run("SJZ22", 2024).created == 0


# ---- the task, on commit ---------------------------------------------------------------------------------

def test_request_run_queues_the_task_on_commit_and_records_the_result(django_capture_on_commit_callbacks):
    zz23()
    user = finance_user()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_run(program("ZZ23"), 2024, user)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.request_run(program("ZZ23"), 2024, user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.created, first.rule_source) == (EntitlementRun.State.DONE, 1, "database")
    assert (second.state, second.created, second.unchanged) == (EntitlementRun.State.DONE, 0, 1)
    assert Entitlement.objects.count() == 1
    from subsidies.tasks import run_entitlements

    assert run_entitlements.delay(first.pk).get() == {"state": "done"}  # a redelivered message does nothing


def test_queries_do_not_grow_with_the_number_of_institutes(django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for year, n in ((2024, 4), (2025, 16)):
        yearly_institutes(n, recognized_on=datetime.date(year - 1, 3, 1), year=year)
        with CaptureQueriesContext(connection) as ctx:
            result = run("ZZ23", year)
        assert result.created == n
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_beat_task_queues_each_program_with_yearly_rules_once(django_capture_on_commit_callbacks):
    from subsidies.tasks import queue_yearly_entitlements

    zz23()
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_yearly_entitlements.delay(2024).get()
    assert queued == EntitlementRun.objects.count() == 3  # ZZ23, XX22, SJZ22
    assert set(EntitlementRun.objects.values_list("state", flat=True)) == {EntitlementRun.State.DONE}
    assert Entitlement.objects.count() == 1

"""The yearly job held to the originals (issue 9): payee and cap per institute, bars of one program
and one year, one SJZ22 cycle, the XX22 first batch, every money change audited with its actor.
Each scenario drives job → entitlement (and where it says so → payout batch) and asserts amounts."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from institutes.models import AnnualGrade, AnnualReport, Grade, Institute
from portal.audit.models import AuditEvent
from reviews.selectors.evaluation import due_institutes
from subsidies.models import Entitlement, EntitlementRun
from subsidies.services import entitlements as services
from subsidies.services import payouts
from tests.factories import OrganizationFactory, program, program_manager
from tests.factories_institutes_annual import recognised
from tests.factories_subsidies_payouts import finance_user, yearly_institutes, zz23_year_inputs

pytestmark = pytest.mark.django_db
D = Decimal


def run(code, year, actor=None):
    if actor is None:
        return services.compute_yearly(program(code), year)
    return services.compute_yearly(program(code), year, actor=actor)


def zz23(org=None, *, year=2024, grade=Grade.GOOD, funding="20000000.00", recognized_on=datetime.date(2023, 3, 1)):
    institute = recognised(org, code="ZZ23", recognized_on=recognized_on)
    zz23_year_inputs(institute, year, grade, funding)
    return institute


def yearly(institute, code):
    return Entitlement.objects.get(institute=institute, rule_code=code, source=Entitlement.Source.YEARLY)


def batch_of(entitlements):
    """A batch of the entitlements, built by a finance officer of their programs' paying authority."""
    officer = finance_user(region_codes=[entitlements[0].program.region.code])
    for entitlement in entitlements:
        services.approve(entitlement, officer)
    return payouts.build_batch(officer, Entitlement.objects.filter(pk__in=[e.pk for e in entitlements]))


# ---- caps and payee per institute -------------------------------------------------------------

def test_two_zz23_institutes_of_one_lead_unit_are_each_paid_their_grade_through_the_batch():
    """ZZ23 五（一）"对年度考核结果为优秀、良好、合格的产业研究院，分别给予最高800万元、500万元、100万元": a lead
    unit with two institutes graded 优秀 and 良好 gets 800万 and 500万 (today: 800万 and 0)."""
    unit = OrganizationFactory()
    excellent, good = zz23(unit, grade=Grade.EXCELLENT), zz23(unit, grade=Grade.GOOD)
    run("ZZ23", 2024)
    rows = [yearly(excellent, "ZZ23-1"), yearly(good, "ZZ23-1")]
    assert [e.amount for e in rows] == [D("8000000.00"), D("5000000.00")]
    batch = batch_of(rows)
    assert batch.total == D("13000000.00") and batch.line_count == 2
    assert set(batch.lines.values_list("payee_id", flat=True)) == {unit.pk}


def test_zz23_pays_the_institute_itself_where_it_is_a_legal_person():
    """ZZ23 五（一）"由市财政给予产业研究院（法人形式）或依托牵头单位科研经费补助": a legal-person institute is paid
    itself; one without its own legal entity is paid through its lead unit."""
    legal_person, plain = zz23(grade=Grade.EXCELLENT), zz23(grade=Grade.PASS)
    entity = OrganizationFactory(name="郑州某产业研究院有限公司")
    Institute.objects.filter(pk=legal_person.pk).update(legal_entity=entity)
    run("ZZ23", 2024)
    assert (yearly(legal_person, "ZZ23-1").payee_id, yearly(legal_person, "ZZ23-1").amount) == (
        entity.pk, D("8000000.00"))
    assert (yearly(plain, "ZZ23-1").payee_id, yearly(plain, "ZZ23-1").amount) == (plain.lead_unit_id, D("1000000.00"))
    batch = batch_of([yearly(legal_person, "ZZ23-1")])
    assert batch.lines.get().payee_id == entity.pk


def test_a_legal_entity_recorded_later_moves_the_open_entitlement_to_it_and_says_so():
    """ZZ23 五（一）"产业研究院（法人形式）": when the manager records the institute's legal entity after a run,
    the next run pays the institute, not the lead unit, and the revision names the change."""
    institute = zz23(grade=Grade.GOOD)
    run("ZZ23", 2024)
    entity = OrganizationFactory()
    Institute.objects.filter(pk=institute.pk).update(legal_entity=entity)
    result = run("ZZ23", 2024)
    e = yearly(institute, "ZZ23-1")
    assert (result.updated, e.payee_id, e.amount) == (1, entity.pk, D("5000000.00"))
    assert e.history[-1]["reason"]


# ---- bars: one institute, one program, one year -------------------------------------------------

def test_a_fail_for_2025_bars_2026_only_and_only_that_institute():
    """ZZ23 第十三条 "考核结果为不合格的，下一年度不得申请相应财政支持": graded 不合格 for 2025, the institute is
    skipped in 2026 with the ground and the bar's end date, paid again in 2027; its lead unit's other
    ZZ23 institute is paid in 2026."""
    unit = OrganizationFactory()
    failed = zz23(unit, year=2026, recognized_on=datetime.date(2024, 3, 1))
    AnnualGrade.objects.create(institute=failed, year=2025, grade=Grade.FAIL, published_on=datetime.date(2026, 4, 1))
    zz23_year_inputs(failed, 2027, Grade.GOOD, "20000000.00")
    sibling = zz23(unit, year=2026, recognized_on=datetime.date(2024, 3, 1))
    result = run("ZZ23", 2026)
    assert not Entitlement.objects.filter(institute=failed, year=2026).exists()
    [skip] = [row for row in result.skipped if row["institute"] == failed.pk]
    assert "2025" in skip["reason"] and "2026-12-31" in skip["reason"]
    assert yearly(sibling, "ZZ23-1").amount == D("5000000.00")
    run("ZZ23", 2027)
    assert Entitlement.objects.get(institute=failed, year=2027).amount == D("5000000.00")


def test_a_revocation_does_not_bar_the_units_institute_in_another_program():
    """ZZ23 第十四条 (revocation: 3 years without re-applying, recovery of funds obtained by fraud) is not a
    bar on all support: the same unit's XX22 institute is paid its 500万 and batched."""
    unit = OrganizationFactory()
    revoked = zz23(unit)
    Institute.objects.filter(pk=revoked.pk).update(state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 9, 1))
    xx22 = recognised(unit, code="XX22", recognized_on=datetime.date(2023, 5, 1))
    run("ZZ23", 2024)
    run("XX22", 2024)
    assert not Entitlement.objects.filter(institute=revoked).exists()
    e = yearly(xx22, "XX22-1")
    assert e.amount == D("5000000.00")
    assert batch_of([e]).total == D("5000000.00")


def test_a_revoked_institute_keeps_what_fell_due_before_its_revocation():
    """ZZ23 第十四条: after its revocation the institute is no longer recognised, so the job stops paying
    it for events after that day; an event before the revocation (XX22 year 2, dated 2023-05-01) is
    still paid, the year after it is not."""
    institute = recognised(code="XX22", recognized_on=datetime.date(2022, 5, 1), state=Institute.State.REVOKED,
                           revoked_on=datetime.date(2023, 9, 1))
    run("XX22", 2023)
    result = run("XX22", 2024)
    assert yearly(institute, "XX22-1").amount == D("5000000.00") and yearly(institute, "XX22-1").year == 2023
    assert "2023-09-01" in result.skipped[0]["reason"]


# ---- SJZ22: one cycle, counted from the recognition year ------------------------------------------

def test_sjz22_cycle_from_the_recognition_year_is_evaluated_and_paid():
    """SJZ22 四（四）"每3年为一个评价周期（从获得资格认定年度起）…评价结果为优秀的…给予50万元后补助": recognised
    2022 → cycle 2022–2024, due for evaluation in 2024 → graded 优秀 → the job creates the 50万."""
    institute = recognised(code="SJZ22", recognized_on=datetime.date(2022, 4, 1))
    sjz22 = program("SJZ22")
    assert [d.institute_id for d in due_institutes(sjz22, 2024)] == [institute.pk]
    assert due_institutes(sjz22, 2025) == []
    AnnualGrade.objects.create(institute=institute, year=2024, grade=Grade.EXCELLENT,
                               published_on=datetime.date(2025, 3, 1))
    run("SJZ22", 2024)
    e = yearly(institute, "SJZ22-4")
    assert (e.amount, e.inputs["cycle"]) == (D("500000.00"), "2022–2024")


# ---- XX22 first batch -----------------------------------------------------------------------------

def test_xx22_institute_listed_before_the_window_gets_three_years_inside_it():
    """XX22 四（一）"挂牌后，财政每年一次性给予500万元…连续支持3年" (in force 2022-01-30…2024-12-31): an institute
    listed in 2021-06 gets 2022, 2023 and 2024 (today: 2022 and 2023 only), 1500万 in one batch."""
    institute = recognised(code="XX22", recognized_on=datetime.date(2021, 6, 15))
    early = recognised(code="XX22", recognized_on=datetime.date(2021, 1, 10))  # anniversary before 01-30
    for year in (2021, 2022, 2023, 2024, 2025):
        run("XX22", year)
    rows = list(Entitlement.objects.filter(institute=institute).order_by("year"))
    assert [(e.year, e.amount, e.inputs["year_index"]) for e in rows] == [
        (2022, D("5000000.00"), 1), (2023, D("5000000.00"), 2), (2024, D("5000000.00"), 3)]
    assert [e.event_date for e in rows] == [datetime.date(2022, 6, 15), datetime.date(2023, 6, 15),
                                            datetime.date(2024, 6, 15)]
    assert list(Entitlement.objects.filter(institute=early).order_by("year").values_list("event_date", flat=True)) == [
        datetime.date(2022, 1, 30), datetime.date(2023, 1, 10), datetime.date(2024, 1, 10)]
    assert batch_of(rows).total == D("15000000.00")


# ---- every money change is an audit event with its actor ---------------------------------------------

def test_every_money_change_of_a_run_is_audited_with_the_requester(django_capture_on_commit_callbacks):
    """Issue 9 "Every money change is an audit event … with the person who caused it (the requester of a
    run), old and new values, and the reason": created, amount changed and cancelled, and the run's own
    start and finish, all carry the requester."""
    changed, cancelled = zz23(funding="3000000.00"), zz23(funding="3000000.00")
    requester = program_manager("ZZ23")
    with django_capture_on_commit_callbacks(execute=True):
        first = services.request_run(program("ZZ23"), 2024, requester)
    AnnualReport.objects.filter(institute=changed, year=2024).update(funding_input=D("4000000.00"))
    Institute.objects.filter(pk=cancelled.pk).update(state=Institute.State.REVOKED, revoked_on=datetime.date(2025, 1, 5))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_run(program("ZZ23"), 2024, requester)
    e_changed, e_cancelled = yearly(changed, "ZZ23-1"), yearly(cancelled, "ZZ23-1")
    money = AuditEvent.objects.filter(action__startswith="yearly_").order_by("pk")
    rows = [(ev.object_id, ev.action, ev.actor_id, ev.data["old"], ev.data["new"]) for ev in money]
    assert rows == [
        (e_changed.pk, "yearly_created", requester.pk, None, "1500000.00"),
        (e_cancelled.pk, "yearly_created", requester.pk, None, "1500000.00"),
        (e_changed.pk, "yearly_amount_changed", requester.pk, "1500000.00", "2000000.00"),
        (e_cancelled.pk, "yearly_cancelled", requester.pk, "1500000.00", "0.00"),
    ]
    assert all(ev.data["reason"] and ev.data["run"] for ev in money)
    assert "3000000.00 → 4000000.00" in money[2].data["reason"]
    assert "2025-01-05" in money[3].data["reason"]
    assert e_cancelled.state == Entitlement.State.CANCELLED
    assert AuditEvent.objects.for_object(e_cancelled).get(action="cancel").data["reason"] == money[3].data["reason"]
    run_events = AuditEvent.objects.for_object(EntitlementRun.objects.get(pk=first.pk))
    assert {(ev.action, ev.actor_id) for ev in run_events} == {("start", requester.pk), ("finish", requester.pk)}


def test_audit_events_and_cancellations_are_written_in_constant_queries():
    """The job's audit events and cancellations are bulk writes: the same number of queries for 4 and
    16 institutes, on the first run (created) and after every one is revoked (cancelled)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(Entitlement)  # the audit's content type is cached once per process
    requester = program_manager("ZZ23")
    created, cancelled = [], []
    for year, n in ((2024, 4), (2025, 16)):
        institutes = yearly_institutes(n, recognized_on=datetime.date(year - 1, 3, 1), year=year)
        with CaptureQueriesContext(connection) as ctx:
            assert run("ZZ23", year, requester).created == n
        created.append(len(ctx.captured_queries))
        Institute.objects.filter(pk__in=[i.pk for i in institutes]).update(
            state=Institute.State.REVOKED, revoked_on=datetime.date(year, 6, 1))
        with CaptureQueriesContext(connection) as ctx:
            assert run("ZZ23", year, requester).cancelled == n
        cancelled.append(len(ctx.captured_queries))
    assert created[0] == created[1] and cancelled[0] == cancelled[1]
    assert AuditEvent.objects.filter(action="yearly_created", actor=requester).count() == 20
    assert AuditEvent.objects.filter(action="yearly_cancelled", actor=requester).count() == 20

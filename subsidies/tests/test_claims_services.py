"""The claim workflow through its services: quoting with the DB versions, caps accumulated across
claims, "once" rules, windows on their edges, barred units, reasons, double submission."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from institutes.models import Grade
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from subsidies.models import Claim, Entitlement
from subsidies.selectors.caps import paid_in_period
from subsidies.services import claims as service
from tests.factories import OrganizationFactory, applicant, program_manager
from tests.factories_subsidies_claims import EVENT, applicant_for, claim, covered_institute, graded, revoked, unit_in

pytestmark = pytest.mark.django_db
S = Claim.State


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager():
    return program_manager("ZZ23", "XX22", "ZZ17", "SJZ22", "HN23")


def approved(item, manager):
    service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    service.approve_claim(item, manager, comment="符合条件")
    item.refresh_from_db()
    return item


def test_submit_quotes_and_approval_makes_entitlements(manager, django_capture_on_commit_callbacks):
    item = claim(code="ZZ23-3", facts={"investment": "8000000"})
    answer = service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    assert item.state == S.SUBMITTED
    assert answer["payouts"] == [{"payee": "enterprise", "amount": "800000.00"}]
    assert item.quoted_amount == Decimal("800000.00")
    assert item.rule_version.code == "ZZ23-3"
    with django_capture_on_commit_callbacks(execute=True):
        service.approve_claim(item, manager)
    item.refresh_from_db()
    assert item.state == S.APPROVED
    rows = list(Entitlement.objects.filter(claim=item))
    assert [(r.payee_id, r.payee_role, r.amount) for r in rows] == [(item.organization_id, "enterprise", Decimal("800000.00"))]
    assert Notification.objects.filter(recipient=item.created_by).exists()
    assert list(AuditEvent.objects.for_object(item).values_list("action", flat=True)) == ["create", "submit", "approve"]


def test_caps_reached_exactly_across_two_claims_then_nothing_is_left(manager):
    user = applicant()
    first = approved(claim(user, "ZZ23-3", facts={"investment": "6000000"}, subject="第一轮"), manager)
    assert first.quoted_amount == Decimal("600000.00")
    second = approved(claim(user, "ZZ23-3", facts={"investment": "4000000"}, subject="第二轮"), manager)
    assert second.quoted_amount == Decimal("400000.00")
    assert paid_in_period(user.organization_id, "ZZ23-3", "year", EVENT, "enterprise") == Decimal("1000000.00")
    third = claim(user, "ZZ23-3", facts={"investment": "1000000"}, subject="第三轮")
    with pytest.raises(TransitionRefused, match="left 0.00"):
        service.submit_claim(third, user)
    # the next calendar year has a fresh cap
    fourth = claim(user, "ZZ23-3", facts={"investment": "1000000"}, event_date=datetime.date(2025, 2, 1))
    assert service.submit_claim(fourth, user)["payouts"][0]["amount"] == "100000.00"


def test_cap_is_cut_on_the_second_claim_and_approval_requotes(manager):
    user = applicant()
    approved(claim(user, "ZZ23-3", facts={"investment": "9000000"}), manager)
    second = claim(user, "ZZ23-3", facts={"investment": "5000000"}, subject="第二轮")
    assert service.submit_claim(second, user)["payouts"][0]["amount"] == "100000.00"


def test_submitted_claims_share_the_cap_at_approval(manager):
    user = applicant()
    one = claim(user, "ZZ23-3", facts={"investment": "8000000"}, subject="一")
    two = claim(user, "ZZ23-3", facts={"investment": "8000000"}, subject="二")
    service.submit_claim(one, user)
    service.submit_claim(two, user)
    one.refresh_from_db()
    two.refresh_from_db()
    service.approve_claim(one, manager)
    service.approve_claim(two, manager)
    two.refresh_from_db()
    assert two.quoted_amount == Decimal("200000.00")


def test_once_rule_claimed_twice_is_refused_with_the_reason(manager):
    user = applicant()
    approved(claim(user, "ZZ23-9A", facts={"level": "national"}, subject="GB/T 12345-2024"), manager)
    again = claim(user, "ZZ23-9A", facts={"level": "national"}, subject="GB/T  12345-2024 ")
    with pytest.raises(TransitionRefused, match="already claimed .* BZ-ZZ23-9A"):
        service.submit_claim(again, user)
    # another standard is another award
    other = claim(user, "ZZ23-9A", facts={"level": "national"}, subject="GB/T 99999-2024")
    assert service.submit_claim(other, user)["eligible"] is True


def test_once_rule_duplicate_is_refused_while_the_first_is_under_review(manager):
    user = applicant()
    one = claim(user, "ZZ23-9A", facts={"level": "industry"}, subject="HG/T 1")
    two = claim(user, "ZZ23-9A", facts={"level": "industry"}, subject="HG/T 1")
    service.submit_claim(one, user)
    with pytest.raises(TransitionRefused, match="already claimed"):
        service.submit_claim(two, user)
    two.refresh_from_db()
    assert two.state == S.DRAFT


def test_milestones_pay_each_threshold_once_even_when_the_previous_peak_is_understated(manager):
    user = applicant_for("XX22-11")
    approved(claim(user, "XX22-11", facts={"revenue": "6000000", "previous_peak_revenue": "0"}), manager)
    # 2023 revenue 12,000,000, claiming the previous peak is still 0: only the 1000万 milestone is due
    later = claim(user, "XX22-11", facts={"revenue": "12000000", "previous_peak_revenue": "0"},
                  event_date=datetime.date(2024, 6, 1), subject="2024")
    answer = service.submit_claim(later, user)
    assert {p["payee"]: p["amount"] for p in answer["payouts"]} == {"enterprise": "100000.00", "institute": "100000.00"}


def test_split_payees_go_to_the_named_institute_organisation(manager):
    spin_off = applicant_for("XX22-3")
    parent = covered_institute(unit_in("410702"), "XX22")
    institute_org = parent.lead_unit
    item = claim(spin_off, "XX22-3", facts={"board": "neeq"}, event_date=datetime.date(2024, 3, 1),
                 payees={"institute": institute_org}, institute=parent)
    approved(item, manager)
    rows = {(e.payee_id, e.payee_role): e.amount for e in Entitlement.objects.filter(claim=item)}
    assert rows == {
        (spin_off.organization_id, "enterprise"): Decimal("1000000.00"),
        (institute_org.pk, "institute"): Decimal("250000.00"),
    }


@pytest.mark.parametrize(("day", "eligible"), [
    (datetime.date(2022, 1, 30), True), (datetime.date(2024, 12, 31), True),
    (datetime.date(2022, 1, 29), False), (datetime.date(2025, 1, 1), False),
])
def test_windows_on_their_first_and_last_day(day, eligible):
    item = claim(code="XX22-3", facts={"board": "main"}, event_date=day)
    if eligible:
        assert service.submit_claim(item, item.created_by)["payouts"][0]["amount"] == "2000000.00"
    else:
        with pytest.raises(TransitionRefused, match="outside the effective window"):
            service.submit_claim(item, item.created_by)


def test_threshold_at_exactly_the_amount_inclusive_and_strict():
    at = claim(code="ZZ23-6B", facts={"sales": "20000000"})
    assert service.submit_claim(at, at.created_by)["payouts"][0]["amount"] == "400000.00"
    exactly = claim(code="XX22-11", facts={"revenue": "5000000", "previous_peak_revenue": "0"})
    with pytest.raises(TransitionRefused, match="exceeds no threshold"):
        service.submit_claim(exactly, exactly.created_by)


def test_unit_graded_fail_for_the_previous_year_is_refused_with_the_reason(manager):
    user = applicant()
    failed = graded(user.organization, timezone.localdate().year - 1, Grade.FAIL)
    item = claim(user, "ZZ23-9A", institute=failed.institute)
    with pytest.raises(TransitionRefused, match="graded 不合格"):
        service.submit_claim(item, user)
    item.refresh_from_db()
    assert item.state == S.DRAFT


def test_an_sjz22_fail_does_not_bar_the_same_units_zz17_claims(manager):
    """ZZ23 第十三条 "下一年度不得申请相应财政支持" bars the corresponding (相应) support only: a unit
    whose SJZ22 institute was graded 不合格 last year still claims ZZ17 support, through approval to a
    payout batch line."""
    from subsidies.services import entitlements, payouts
    from tests.factories_subsidies_payouts import finance_user

    user = applicant()
    graded(user.organization, timezone.localdate().year - 1, Grade.FAIL, code="SJZ22")
    item = approved(claim(user, "ZZ17-11"), manager)
    entitlement = Entitlement.objects.get(claim=item)
    assert entitlement.amount == Decimal("30000.00")
    officer = finance_user()
    entitlements.approve(entitlement, officer)
    batch = payouts.build_batch(officer, Entitlement.objects.filter(pk=entitlement.pk))
    assert batch.lines.get().amount == Decimal("30000.00") == batch.total


def test_a_fail_two_years_ago_does_not_bar():
    user = applicant()
    graded(user.organization, timezone.localdate().year - 2, Grade.FAIL)
    item = claim(user, "ZZ23-3")
    assert service.submit_claim(item, user)["eligible"] is True


def test_a_revocation_does_not_bar_the_units_claims(manager):
    """ZZ23 第十四条 brings a 3-year ban on re-applying for a ZZ23 institute and the recovery of funds
    obtained by fraud ("追回"), not a bar on every claim: a unit whose institute was revoked still claims
    ZZ17 support and is approved (corrected reading, POLICY.md §6)."""
    user = applicant()
    revoked(user.organization)
    item = approved(claim(user, "ZZ17-11"), manager)
    assert item.state == S.APPROVED
    assert Entitlement.objects.filter(claim=item).exists()


def test_the_claims_institute_graded_fail_last_year_refuses_it_with_ground_and_end_date(manager):
    """ZZ23 第十三条 "考核结果为不合格的，下一年度不得申请相应财政支持": a claim naming an institute of its
    program graded 不合格 last year is refused, saying until when; a payee organisation's other
    institute does not bar it."""
    spin_off = applicant()
    year = timezone.localdate().year
    failed = graded(spin_off.organization, year - 1, Grade.FAIL, code="XX22").institute
    item = claim(spin_off, "XX22-3", facts={"board": "neeq"}, event_date=datetime.date(2024, 3, 1),
                 institute=failed)
    with pytest.raises(TransitionRefused, match=f"{year}-12-31"):
        service.submit_claim(item, spin_off)
@pytest.mark.parametrize(("facts", "message"), [
    ({"investment": "-1"}, "must not be negative"),
    ({"investment": "abc"}, "must be an amount in yuan"),
    ({"investment": "1.001"}, "more than two decimal places"),
    ({"investment": "100", "bogus": "1"}, "does not use the facts bogus"),
    ({}, 'needs the fact "investment"'),
])
def test_bad_facts_are_refused_with_a_clear_message(facts, message):
    item = claim(code="ZZ23-3", facts=facts)
    with pytest.raises(TransitionRefused, match=message):
        service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    assert item.state == S.DRAFT


def test_double_submit_is_refused():
    item = claim(code="ZZ23-3")
    service.submit_claim(item, item.created_by)
    with pytest.raises(TransitionRefused, match="status"):
        service.submit_claim(item, item.created_by)
    stale = Claim.objects.get(pk=item.pk)
    with pytest.raises(TransitionRefused):
        service.submit_claim(stale, item.created_by)


def test_return_needs_a_reason_and_resubmission_requotes(manager):
    item = claim(code="ZZ23-3", facts={"investment": "1000000"})
    service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    with pytest.raises(TransitionRefused, match="reason"):
        service.return_claim(item, manager, "  ")
    service.return_claim(item, manager, "请补充验资报告")
    item.refresh_from_db()
    assert item.state == S.RETURNED and item.decision_reason == "请补充验资报告"
    service.save_claim(item, item.created_by, service.ClaimData(
        event_date=EVENT, subject="事项一", facts={"investment": "2000000"}, institute=item.institute,
        payees={row.role: row.organization for row in item.payees.all()}), seen_version=item.version)
    item.refresh_from_db()
    service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    assert item.state == S.SUBMITTED and item.quoted_amount == Decimal("200000.00")
    assert "resubmit" in AuditEvent.objects.for_object(item).values_list("action", flat=True)


def test_reject_needs_a_reason_and_withdraw(manager):
    item = claim(code="ZZ23-3")
    service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    with pytest.raises(TransitionRefused):
        service.reject_claim(item, manager, "")
    service.reject_claim(item, manager, "材料不实")
    item.refresh_from_db()
    assert item.state == S.REJECTED
    other = claim(code="ZZ23-3")
    service.withdraw_claim(other, other.created_by)
    other.refresh_from_db()
    assert other.state == S.WITHDRAWN


def test_only_the_managers_of_the_program_review_and_only_the_unit_files(manager):
    item = claim(code="ZZ23-3")
    with pytest.raises(PermissionDenied):
        service.submit_claim(item, applicant())
    service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        service.approve_claim(item, program_manager("XX22"))


def test_yearly_rules_cannot_be_claimed():
    with pytest.raises(TransitionRefused):
        claim(code="ZZ23-1", facts={})

"""Consequences of published grades and revocation (ZZ23 第十三、十四条; HN23 实施方案 四(五))."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from institutes import consequences
from institutes.eligibility import _not_banned, evaluate, reapplication_ban
from institutes.models import Grade, Institute, Revocation
from institutes.selectors import claim_support_bars, support_bars
from portal.audit.models import AuditEvent
from portal.notify.models import Notification
from portal.workflow import TransitionRefused
from tests.factories import PDF_BYTES, ApplicationFactory, applicant, program_manager
from tests.factories_institutes_annual import grade, proposal, recognised

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return program_manager("ZZ23", "HN23")


def _publish(institute, year, value, manager):
    return consequences.apply_published_grades([grade(institute, year, value)], manager)


# ---- the two-year rule ---------------------------------------------------------------------------

def test_two_consecutive_fails_propose_revocation(manager, django_capture_on_commit_callbacks):
    institute = recognised(recognized_on=datetime.date(2020, 5, 1))
    owner = applicant(institute.lead_unit)
    with django_capture_on_commit_callbacks(execute=True):
        assert _publish(institute, 2023, Grade.FAIL, manager) == []
        proposals = _publish(institute, 2024, Grade.FAIL, manager)
    assert len(proposals) == 1
    revocation = proposals[0]
    assert revocation.grounds == Revocation.Grounds.TWO_FAILS and revocation.state == Revocation.State.PROPOSED
    assert revocation.facts == {"fail_years": [2023, 2024]}
    institute.refresh_from_db()
    assert institute.state == Institute.State.ACTIVE  # only a proposal until the manager confirms
    assert Notification.objects.filter(recipient=owner, message__contains="2025").exists()  # no support in 2025
    assert Notification.objects.filter(recipient=manager).exists()
    assert AuditEvent.objects.for_object(institute).filter(action="graded_fail").count() == 2


def test_two_fails_years_apart_do_not_count(manager):
    institute = recognised(recognized_on=datetime.date(2019, 5, 1))
    _publish(institute, 2021, Grade.FAIL, manager)
    _publish(institute, 2022, Grade.PASS, manager)
    assert _publish(institute, 2023, Grade.FAIL, manager) == []
    assert not Revocation.objects.exists()


def test_fail_then_pass_does_not_count_and_order_of_publication_does_not_matter(manager):
    institute = recognised(recognized_on=datetime.date(2019, 5, 1))
    grade(institute, 2022, Grade.FAIL, published=False)  # not published: does not count
    assert _publish(institute, 2023, Grade.FAIL, manager) == []
    other = recognised(recognized_on=datetime.date(2019, 5, 1))
    _publish(other, 2024, Grade.FAIL, manager)
    assert len(_publish(other, 2023, Grade.FAIL, manager)) == 1  # the later year was published first


def test_a_pending_proposal_is_not_made_twice(manager):
    institute = recognised(recognized_on=datetime.date(2019, 5, 1))
    _publish(institute, 2022, Grade.FAIL, manager)
    _publish(institute, 2023, Grade.FAIL, manager)
    assert _publish(institute, 2024, Grade.FAIL, manager) == []
    assert Revocation.objects.count() == 1


def test_no_report_and_no_evaluation_for_a_year_proposes_revocation(manager):
    from institutes.models import AnnualReport
    from tests.factories_institutes_annual import report

    graded = recognised(recognized_on=datetime.date(2020, 5, 1))
    skipped = recognised(recognized_on=datetime.date(2020, 5, 1))
    report(skipped, year=2024, is_overdue=True)  # started, never filed
    reported = recognised(recognized_on=datetime.date(2020, 5, 1))  # filed but not due for grading
    report(reported, year=2024, state=AnnualReport.State.ACCEPTED)
    new = recognised(recognized_on=datetime.date(2024, 2, 1))  # not in operation the whole year
    proposals = _publish(graded, 2024, Grade.GOOD, manager)
    assert [p.institute for p in proposals] == [skipped]
    assert proposals[0].grounds == Revocation.Grounds.NO_EVALUATION
    assert not Revocation.objects.filter(institute__in=[new, reported]).exists()


# ---- confirmation, dismissal, manual revocation, the 3-year ban --------------------------------

def test_confirming_revokes_through_the_door_and_starts_the_ban(manager, django_capture_on_commit_callbacks):
    institute = recognised()
    owner = applicant(institute.lead_unit)
    revocation = proposal(institute)
    with pytest.raises(TransitionRefused):
        consequences.confirm_revocation(revocation, manager, document_reference=" ")
    with django_capture_on_commit_callbacks(execute=True):
        consequences.confirm_revocation(revocation, manager, document_reference="郑工信〔2025〕12号",
                                        decided_on=datetime.date(2025, 7, 1))
    institute.refresh_from_db()
    assert institute.state == Institute.State.REVOKED and institute.revoked_on == datetime.date(2025, 7, 1)
    assert AuditEvent.objects.for_object(institute).filter(action="revoke").exists()
    assert Notification.objects.filter(recipient=owner, message__contains="郑工信〔2025〕12号").exists()
    application = ApplicationFactory(organization=institute.lead_unit)
    assert not _not_banned(application, datetime.date(2025, 7, 1)).passed
    assert not _not_banned(application, datetime.date(2028, 6, 30)).passed  # the last day of the 3 years
    assert _not_banned(application, datetime.date(2028, 7, 1)).passed  # "may apply again from 2028-07-01"


def test_someone_else_cannot_confirm(manager):
    revocation = proposal(recognised())
    with pytest.raises(PermissionDenied):
        consequences.confirm_revocation(revocation, program_manager("SJZ22"), document_reference="X")
    with pytest.raises(PermissionDenied):
        consequences.confirm_revocation(revocation, applicant(revocation.institute.lead_unit), document_reference="X")


def test_dismissed_proposal_can_be_proposed_again(manager):
    institute = recognised(recognized_on=datetime.date(2019, 5, 1))
    revocation = proposal(institute)
    with pytest.raises(TransitionRefused):
        consequences.dismiss_revocation(revocation, manager, comment="")
    consequences.dismiss_revocation(revocation, manager, comment="评估结论已复核")
    assert revocation.state == Revocation.State.DISMISSED
    again = consequences.propose_revocation(institute, Revocation.Grounds.NO_EVALUATION, user=None, reason="未参加评估")
    assert again.pk == revocation.pk and again.state == Revocation.State.PROPOSED
    assert again.grounds == Revocation.Grounds.NO_EVALUATION


def _evidence():
    return SimpleUploadedFile("处罚决定书.pdf", PDF_BYTES, content_type="application/pdf")


def test_manual_revocation_with_evidence_and_fraud_flag(manager, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    finance = UserFactory(role="finance")
    institute = recognised()
    with django_capture_on_commit_callbacks(execute=True):
        revocation = consequences.revoke_manually(
            institute, manager, grounds=Revocation.Grounds.FRAUD, reason="申报材料造假", document_reference="郑工信〔2025〕3号",
            evidence=_evidence(), funds_obtained_by_fraud=True, decided_on=datetime.date(2025, 5, 5),
        )
    institute.refresh_from_db()
    assert institute.state == Institute.State.REVOKED
    assert revocation.state == Revocation.State.CONFIRMED and revocation.funds_obtained_by_fraud
    assert revocation.evidence_sha256 and revocation.evidence_content_type == "application/pdf"
    assert Notification.objects.filter(recipient=finance).exists()


def test_manual_revocation_refuses_bad_input(manager):
    institute = recognised()
    for kwargs in (
        {"grounds": Revocation.Grounds.TWO_FAILS, "reason": "x", "evidence": _evidence()},
        {"grounds": Revocation.Grounds.FRAUD, "reason": " ", "evidence": _evidence()},
        {"grounds": Revocation.Grounds.FRAUD, "reason": "x", "evidence": None},
    ):
        with pytest.raises(TransitionRefused):
            consequences.revoke_manually(institute, manager, document_reference="X", **kwargs)
    with pytest.raises(PermissionDenied):
        consequences.revoke_manually(institute, program_manager("SJZ22"), grounds="fraud", reason="x",
                                     document_reference="X", evidence=_evidence())
    institute.refresh_from_db()
    assert institute.state == Institute.State.ACTIVE and not Revocation.objects.exists()


# ---- HN23: yearly assessment → rectification ------------------------------------------------------

def test_hn23_fail_rectify_pass_then_fail_again_proposes(manager):
    centre = recognised(code="HN23", recognized_on=datetime.date(2021, 3, 1))
    assert _publish(centre, 2023, Grade.FAIL, manager) == []
    centre.refresh_from_db()
    assert centre.state == Institute.State.RECTIFYING
    assert centre.rectification_deadline == datetime.date(2024, 12, 1)  # published 2024-06-01 + 6 months
    _publish(centre, 2024, Grade.PASS, manager)
    centre.refresh_from_db()
    assert centre.state == Institute.State.ACTIVE and centre.rectification_deadline is None
    _publish(centre, 2025, Grade.FAIL, manager)
    centre.refresh_from_db()
    assert centre.state == Institute.State.RECTIFYING
    proposals = _publish(centre, 2026, Grade.FAIL, manager)
    assert proposals[0].grounds == Revocation.Grounds.HN23_FAILED_RECTIFICATION


def test_hn23_cultivation_unit_is_not_put_into_annual_rectification(manager):
    unit = recognised(code="HN23", state=Institute.State.CULTIVATING, is_cultivation_unit=True,
                      cultivation_deadline=datetime.date(2026, 1, 1))
    with pytest.raises(TransitionRefused):
        from portal.workflow import transition

        transition(unit, "start_annual_rectification", manager, deadline=datetime.date(2026, 1, 1))


# ---- fiscal support flag (read by the subsidies app) -------------------------------------------

def test_support_is_barred_for_that_institute_and_the_next_year_only():
    """ZZ23 第十三条 "考核结果为不合格的，下一年度不得申请相应财政支持": a published 不合格 for 2024 bars
    that institute's support in 2025 only, with its ground and end date; an unpublished grade, a
    revocation and the lead unit's other institutes are not barred by it."""
    failed = recognised()
    sibling = recognised(failed.lead_unit)
    grade(failed, 2024, Grade.FAIL)
    unpublished = recognised()
    grade(unpublished, 2024, Grade.FAIL, published=False)
    revoked = recognised(state=Institute.State.REVOKED, revoked_on=datetime.date(2025, 8, 1))
    fine = recognised()
    grade(fine, 2024, Grade.PASS)
    ids = [i.pk for i in (failed, sibling, unpublished, revoked, fine)]
    bars = support_bars(ids, 2025)
    assert set(bars) == {failed.pk}
    bar = bars[failed.pk]
    assert (bar.ground, bar.graded_year, bar.year, bar.ends_on) == ("fail", 2024, 2025, datetime.date(2025, 12, 31))
    assert "2025-12-31" in bar.message() and "第十三条" in bar.message()
    assert support_bars(ids, 2026) == {}
    assert support_bars(ids, 2024) == {}
    assert support_bars([], 2025) == {}


def test_claim_bars_follow_the_claims_program_and_institute():
    """ZZ23 第十三条 "相应财政支持": the bar follows the program and the institute graded 不合格."""
    failed = recognised(code="SJZ22")
    grade(failed, 2024, Grade.FAIL)
    unit = failed.lead_unit
    other = recognised(unit, code="ZZ23")
    assert [b.institute_id for b in claim_support_bars(failed.program, {unit.pk}, 2025)] == [failed.pk]
    assert claim_support_bars(other.program, {unit.pk}, 2025) == []  # another program of the same unit
    assert claim_support_bars(failed.program, {unit.pk}, 2025, institute_id=other.pk) == []
    assert claim_support_bars(failed.program, {unit.pk}, 2026) == []


def test_the_three_year_ban_reads_only_zz23_revocations_and_zz23_applications():
    """ZZ23 管理办法 第十四条 "被撤销资格的…3年内不得再次申请": the ban is ZZ23's; an SJZ22 revocation starts
    none, and an SJZ22 or HN23 application is not refused because of a ZZ23 revocation."""
    zz23 = recognised(state=Institute.State.REVOKED, revoked_on=datetime.date(2025, 7, 1))
    unit = zz23.lead_unit
    ban = reapplication_ban(unit.pk, "ZZ23", datetime.date(2026, 1, 1))
    assert (ban.ground, ban.revoked_on, ban.ends_on) == ("revoked", datetime.date(2025, 7, 1), datetime.date(2028, 6, 30))
    assert "2028-06-30" in ban.message() and "2028-07-01" in ban.message()
    assert reapplication_ban(unit.pk, "SJZ22", datetime.date(2026, 1, 1)) is None
    sjz22_application = ApplicationFactory(organization=unit, program=Institute.objects.get(pk=zz23.pk).program)
    sjz22_application.program = recognised(code="SJZ22").program
    codes = {r.code for r in evaluate(sjz22_application, today=datetime.date(2026, 1, 1)).results}
    assert "not_banned" not in codes
    other = recognised(code="SJZ22", state=Institute.State.REVOKED, revoked_on=datetime.date(2025, 7, 1))
    assert reapplication_ban(other.lead_unit_id, "ZZ23", datetime.date(2026, 1, 1)) is None

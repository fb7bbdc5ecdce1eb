"""Who may open which page of the registry, the annual reports and revocation: every view × role.

Columns (roles), in this order:

    owner          applicant of the lead unit of the ZZ23 institute (金水区)
    other_org      applicant of another organisation
    district       district bureau of 金水区, industry department
    district_fin   district bureau of 金水区, finance department
    district_else  district bureau of 二七区, industry
    district_dept  district bureau of 金水区, science department (does not review annual reports)
    manager        program manager of ZZ23 and XX22
    other_manager  program manager of HN23
    expert, finance, anonymous

Codes: 200/403/404/405; LOGIN = redirect to the login page and nothing changed; MOVED = any other
redirect. Every refused request leaves the database exactly as it was.
"""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import get_resolver, reverse
from django.utils import timezone

from institutes.models import AnnualReport, AnnualReportAttachment, AnnualReportReview, Institute, Revocation
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from portal.audit.models import AuditEvent
from tests.factories import (
    PDF_BYTES, UserFactory, applicant, district_user, program_manager, region,
)
from tests.factories_institutes_annual import proposal, recognised, report, report_attachment
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db

ROLES = (
    "owner", "other_org", "district", "district_fin", "district_else", "district_dept",
    "manager", "other_manager", "expert", "finance", "anonymous",
)

# fmt: off
MATRIX = [
    # (url name, method, object)                                      owner  other  dist   d_fin  d_else d_dept mgr    o_mgr  expert fin    anon
    (("institutes:registry", "GET", None),                            (200,   200,   200,   200,   200,   200,   200,   200,   403,   200,   LOGIN)),
    (("institutes:institute_register", "GET", None),                  (403,   403,   403,   403,   403,   403,   200,   403,   403,   403,   LOGIN)),
    (("institutes:institute_register", "POST", None),                 (403,   403,   403,   403,   403,   403,   MOVED, 403,   403,   403,   LOGIN)),
    (("institutes:institute_detail", "GET", "institute"),             (200,   404,   200,   200,   404,   200,   200,   404,   404,   200,   LOGIN)),
    (("institutes:institute_revoke", "GET", "institute"),             (403,   404,   403,   403,   404,   403,   200,   404,   404,   403,   LOGIN)),
    (("institutes:institute_revoke", "POST", "institute"),            (403,   404,   403,   403,   404,   403,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:institute_legal_entity", "GET", "institute"),       (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:institute_legal_entity", "POST", "institute"),      (403,   404,   403,   403,   404,   403,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:revocation_confirm", "GET", "flagged"),             (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:revocation_confirm", "POST", "flagged"),            (403,   404,   403,   403,   404,   403,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:revocation_dismiss", "POST", "flagged"),            (403,   404,   403,   403,   404,   403,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:revocation_dismiss", "GET", "flagged"),             (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:revocation_evidence", "GET", "revoked"),            (403,   404,   200,   200,   404,   200,   200,   404,   404,   200,   LOGIN)),

    (("institutes:my_reports", "GET", None),                          (200,   200,   403,   403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("institutes:report_start", "GET", None),                        (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:report_start", "POST", None),                       (MOVED, MOVED, 403,   403,   403,   403,   403,   403,   403,   403,   LOGIN)),
    (("institutes:report_queue", "GET", None),                        (403,   403,   200,   200,   200,   200,   200,   200,   403,   403,   LOGIN)),
    (("institutes:report_detail", "GET", "draft"),                    (200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_detail", "GET", "filed"),                    (200,   404,   200,   200,   404,   404,   200,   404,   404,   200,   LOGIN)),
    (("institutes:report_edit", "GET", "draft"),                      (200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_edit", "POST", "draft"),                     (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_edit", "GET", "filed"),                      (MOVED, 404,   403,   403,   404,   404,   403,   404,   404,   403,   LOGIN)),
    (("institutes:report_edit", "POST", "filed"),                     (MOVED, 404,   403,   403,   404,   404,   403,   404,   404,   403,   LOGIN)),
    (("institutes:report_submit", "GET", "draft"),                    (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:report_submit", "POST", "draft"),                   (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_submit", "POST", "filed"),                   (MOVED, 404,   403,   403,   404,   404,   403,   404,   404,   403,   LOGIN)),
    (("institutes:report_review", "GET", "filed"),                    (403,   404,   200,   200,   404,   404,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:report_review", "POST", "filed"),                   (403,   404,   MOVED, MOVED, 404,   404,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:report_review", "GET", "passed"),                   (403,   404,   MOVED, MOVED, 404,   404,   200,   404,   404,   403,   LOGIN)),
    (("institutes:report_review", "POST", "passed"),                  (403,   404,   MOVED, MOVED, 404,   404,   MOVED, 404,   404,   403,   LOGIN)),
    (("institutes:report_attachment_upload", "GET", "draft"),         (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:report_attachment_upload", "POST", "draft"),        (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_attachment_upload", "POST", "filed"),        (MOVED, 404,   403,   403,   404,   404,   403,   404,   404,   403,   LOGIN)),
    (("institutes:report_attachment_download", "GET", "draft_file"),  (200,   404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_attachment_download", "GET", "filed_file"),  (200,   404,   200,   200,   404,   404,   200,   404,   404,   200,   LOGIN)),
    (("institutes:report_attachment_delete", "GET", "draft_file"),    (405,   405,   405,   405,   405,   405,   405,   405,   405,   405,   LOGIN)),
    (("institutes:report_attachment_delete", "POST", "draft_file"),   (MOVED, 404,   404,   404,   404,   404,   404,   404,   404,   404,   LOGIN)),
    (("institutes:report_attachment_delete", "POST", "filed_file"),   (MOVED, 404,   403,   403,   404,   404,   403,   404,   404,   403,   LOGIN)),
]
# fmt: on


@pytest.fixture
def world():
    """The owner's ZZ23 institute with a draft report (with a file), a submitted report (with a
    file) and a report passed by the district; a second institute with a revocation proposal; a
    revoked institute with evidence."""
    owner = applicant(username="owner")
    institute = recognised(owner.organization, recognized_on=datetime.date(2020, 3, 1))
    year = timezone.localdate().year
    draft = report(institute, year=year - 1)
    filed = report(institute, year=year - 2, state=AnnualReport.State.SUBMITTED)
    passed = report(institute, year=year - 3, state=AnnualReport.State.DISTRICT_PASSED)
    flagged = recognised(owner.organization, field="new-materials", name="第二研究院")
    revoked = recognised(owner.organization, field="new-materials", name="已撤销研究院",
                         state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 1, 1))
    evidence = Revocation(institute=revoked, grounds="fraud", reason="造假", proposed_on=datetime.date(2024, 1, 1),
                          state=Revocation.State.CONFIRMED, document_reference="郑工信〔2024〕1号",
                          decided_on=datetime.date(2024, 1, 1), evidence_name="决定.pdf",
                          evidence_content_type="application/pdf", evidence_sha256="ab" * 32)
    from django.core.files.base import ContentFile

    evidence.evidence.save("决定.pdf", ContentFile(PDF_BYTES), save=False)
    evidence.save()
    return {
        "owner": owner, "institute": institute, "draft": draft, "filed": filed, "passed": passed,
        "flagged": flagged, "proposal": proposal(flagged), "revoked": revoked,
        "draft_file": report_attachment(draft, user=owner), "filed_file": report_attachment(filed, user=owner),
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "district_fin": lambda: district_user(["410105"], "finance"),
        "district_else": lambda: district_user(["410103"], "industry"),
        "district_dept": lambda: district_user(["410105"], "science"),
        "manager": lambda: program_manager("ZZ23", "XX22"),
        "other_manager": lambda: program_manager("HN23"),
        "expert": lambda: UserFactory(role="expert"),
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if target is None:
        return reverse(name)
    obj = world[target]
    if isinstance(obj, AnnualReportAttachment):
        return reverse(name, kwargs={"pk": obj.report_id, "attachment_pk": obj.pk})
    return reverse(name, kwargs={"pk": obj.pk})


def post_data(name, world):
    today = timezone.localdate().isoformat()
    return {
        "institutes:institute_register": lambda: {
            "program": world_program("XX22"), "name": "新乡某研究院", "uscc": make_uscc("410702", 555001),
            "unit_name": "新乡某有限公司", "region": region("410702").pk,
            "industry_field": world["institute"].industry_field_id, "document_number": "豫工信〔2023〕8号",
            "recognized_on": "2023-05-01",
        },
        "institutes:institute_revoke": lambda: {
            "grounds": "fraud", "reason": "申报材料造假", "document_reference": "郑工信〔2025〕2号",
            "decided_on": today, "evidence": SimpleUploadedFile("证据.pdf", PDF_BYTES, content_type="application/pdf"),
        },
        "institutes:institute_legal_entity": lambda: {"uscc": make_uscc("410105", 555002), "name": "郑州某研究院有限公司"},
        "institutes:revocation_confirm": lambda: {"document_reference": "郑工信〔2025〕5号", "decided_on": today},
        "institutes:revocation_dismiss": lambda: {"comment": "复核后不予撤销"},
        "institutes:report_start": lambda: {"institute": world["institute"].pk, "year": timezone.localdate().year - 1},
        "institutes:report_edit": lambda: {
            "seen_version": "0", "summary": "总结", "plan": "计划", "budget": "100", "rd_spending": "200",
            "funding_input": "300", **{k: "1" for k in ("new_achievements", "technologies_transferred",
                                                          "invention_patents", "standards", "spin_offs",
                                                          "talents_introduced")},
        },
        "institutes:report_submit": dict,
        "institutes:report_review": lambda: {"decision": "return", "comment": "请补充研发投入明细"},
        "institutes:report_attachment_upload": lambda: {
            "kind": "other", "file": SimpleUploadedFile("说明.pdf", PDF_BYTES, content_type="application/pdf")},
        "institutes:report_attachment_delete": dict,
    }[name]()


def world_program(code):
    from institutes.models import Program

    return Program.objects.get(code=code).pk


def snapshot():
    return {
        "reports": list(AnnualReport.objects.order_by("pk").values_list("pk", "state", "version", "summary")),
        "attachments": list(AnnualReportAttachment.objects.order_by("pk").values_list("pk", "sha256")),
        "reviews": AnnualReportReview.objects.count(),
        "institutes": list(Institute.objects.order_by("pk").values_list("pk", "state", "version", "legal_entity_id")),
        "revocations": list(Revocation.objects.order_by("pk").values_list("pk", "state", "version")),
        "organizations": Organization.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)


def test_every_view_of_this_part_has_a_row():
    from institutes import views_registry, views_reports

    ours = {f"institutes:{p.name}" for p in views_registry.urlpatterns + views_reports.urlpatterns}
    in_matrix = names_in(MATRIX)
    assert ours - in_matrix == set()
    assert in_matrix - ours == set()
    assert ours <= {f"institutes:{p.name}" for p in get_resolver("institutes.urls").url_patterns}

"""Bad input on the report, registry and revocation pages: refused, nothing saved."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from institutes.models import AnnualReport, AnnualReportAttachment, Grade, Institute, Revocation
from portal.accounts.models import Organization
from portal.accounts.uscc_factory import make_uscc
from tests.factories import PDF_BYTES, OrganizationFactory, applicant, program_manager, region
from tests.factories_institutes_annual import grade, proposal, recognised, report

pytestmark = pytest.mark.django_db

GOOD = {
    "summary": "总结", "plan": "计划", "budget": "100.50", "rd_spending": "200", "funding_input": "300",
    "new_achievements": "10", "technologies_transferred": "5", "invention_patents": "1", "standards": "0",
    "spin_offs": "0", "talents_introduced": "2",
}


@pytest.fixture
def owner():
    return applicant()


@pytest.fixture
def draft(owner):
    return report(recognised(owner.organization), filled=False)


def _edit(client, draft, **changes):
    return client.post(reverse("institutes:report_edit", args=[draft.pk]),
                       {**GOOD, "seen_version": str(draft.version), **changes})


@pytest.mark.parametrize(("field", "value"), [
    ("budget", "-1"), ("rd_spending", "-0.01"), ("funding_input", "abc"), ("rd_spending", "1e400"),
    ("new_achievements", "-1"), ("invention_patents", "2.5"), ("talents_introduced", "十"),
    ("budget", "12345678901234567.00"),
])
def test_bad_figures_are_refused_and_nothing_is_saved(as_user, owner, draft, field, value):
    response = _edit(as_user(owner), draft, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    draft.refresh_from_db()
    assert draft.summary == "" and draft.version == 0


def test_good_figures_are_saved_as_decimals(as_user, owner, draft):
    response = _edit(as_user(owner), draft)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert str(draft.budget) == "100.50" and draft.new_achievements == 10 and draft.version == 1


def test_stale_form_is_refused(as_user, owner, draft):
    client = as_user(owner)
    _edit(client, draft)
    response = _edit(client, draft, summary="旧页面的修改", seen_version="0")
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.summary == "总结"


def test_double_submit_is_refused(as_user, owner, draft):
    client = as_user(owner)
    _edit(client, draft)
    url = reverse("institutes:report_submit", args=[draft.pk])
    client.post(url)
    response = client.post(url, follow=True)
    draft.refresh_from_db()
    assert draft.state == AnnualReport.State.SUBMITTED and draft.submission_round == 1
    assert any("不能" in str(m) or "cannot" in str(m) for m in response.context["messages"])


def test_incomplete_report_cannot_be_submitted(as_user, owner, draft):
    as_user(owner).post(reverse("institutes:report_submit", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.state == AnnualReport.State.DRAFT


def test_other_organisations_report_is_404(as_user, draft):
    client = as_user(applicant())
    for name, method in (("report_detail", "get"), ("report_edit", "get"), ("report_edit", "post"),
                         ("report_submit", "post"), ("report_attachment_upload", "post")):
        response = getattr(client, method)(reverse(f"institutes:{name}", args=[draft.pk]), GOOD if method == "post" else None)
        assert response.status_code == 404, name
    draft.refresh_from_db()
    assert draft.summary == ""


def test_report_start_refuses_other_years_and_institutes(as_user, owner):
    institute = recognised(owner.organization, recognized_on=datetime.date(2023, 1, 1))
    client = as_user(owner)
    url = reverse("institutes:report_start")
    this_year = timezone.localdate().year
    for data in ({"institute": institute.pk, "year": this_year}, {"institute": institute.pk, "year": 2022},
                 {"institute": recognised().pk, "year": this_year - 1}, {"institute": institute.pk, "year": "x"}):
        assert client.post(url, data).status_code == 302
    assert not AnnualReport.objects.exists()
    client.post(url, {"institute": institute.pk, "year": this_year - 1})
    client.post(url, {"institute": institute.pk, "year": this_year - 1})
    assert AnnualReport.objects.count() == 1


def test_evidence_is_checked_by_content(as_user, owner, draft):
    client = as_user(owner)
    url = reverse("institutes:report_attachment_upload", args=[draft.pk])
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    client.post(url, {"kind": "other", "file": fake})
    assert not AnnualReportAttachment.objects.exists()
    client.post(url, {"kind": "other", "file": SimpleUploadedFile("证明.pdf", PDF_BYTES)})
    assert AnnualReportAttachment.objects.get().content_type == "application/pdf"


def test_applicant_sees_only_published_grades_staff_see_pending_ones(as_user, owner):
    institute = recognised(owner.organization, recognized_on=datetime.date(2020, 1, 1))
    grade(institute, 2023, Grade.GOOD)
    grade(institute, 2024, Grade.FAIL, published=False)
    response = as_user(owner).get(reverse("institutes:registry"))
    assert [g.year for g in response.context["page"][0].grade_history] == [2023]
    response = as_user(owner).get(reverse("institutes:institute_detail", args=[institute.pk]))
    assert [g.year for g in response.context["grades"]] == [2023]
    response = as_user(program_manager("ZZ23")).get(reverse("institutes:registry"))
    assert [g.year for g in response.context["page"][0].grade_history] == [2024, 2023]


def test_registry_filters(as_user):
    recognised(OrganizationFactory(region=region("410103")), name="二七研究院", recognized_on=datetime.date(2021, 1, 1))
    recognised(name="金水研究院", recognized_on=datetime.date(2023, 1, 1))
    recognised(name="撤销研究院", state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 1, 1))
    client = as_user(program_manager("ZZ23"))
    url = reverse("institutes:registry")

    def names(**params):
        return sorted(i.name for i in client.get(url, params).context["page"])

    assert names(region="410103") == ["二七研究院"]
    assert names(year="2023") == ["金水研究院"]
    assert names(state="revoked") == ["撤销研究院"]
    assert names(q="金水") == ["金水研究院"]
    assert len(names(program="ZZ23")) == 3
    assert len(names(program="HN23")) == 3  # not one of the manager's programs: the filter is ignored
    assert len(names(year="abc")) == 3  # an invalid filter is ignored, the page still works


# ---- XX22 registration -----------------------------------------------------------------------------

@pytest.fixture
def xx22_manager():
    return program_manager("XX22")


def _register(client, **changes):
    from institutes.models import IndustryField, Program

    data = {
        "program": Program.objects.get(code="XX22").pk, "name": "新乡电池研究院", "uscc": make_uscc("410702", 610001),
        "unit_name": "新乡电池有限公司", "region": region("410702").pk,
        "industry_field": IndustryField.objects.first().pk, "document_number": "豫工信〔2023〕8号",
        "recognized_on": "2023-05-01", **changes,
    }
    return client.post(reverse("institutes:institute_register"), data)


def test_registration_records_the_provincial_document(as_user, xx22_manager):
    response = _register(as_user(xx22_manager))
    assert response.status_code == 302
    institute = Institute.objects.get()
    assert institute.registered_from_province and institute.recognition_document == "豫工信〔2023〕8号"
    assert institute.recognized_on == datetime.date(2023, 5, 1) and institute.state == Institute.State.ACTIVE
    assert institute.lead_unit.region.code == "410702"


@pytest.mark.parametrize("changes", [
    {"region": "410105"},  # 郑州金水区: not in Xinxiang
    {"uscc": "91410100MA12345678"},  # check digit wrong
    {"uscc": ""},
    {"document_number": ""},
    {"recognized_on": "2999-01-01"},
    {"recognized_on": "yesterday"},
])
def test_registration_refuses_bad_input(as_user, xx22_manager, changes):
    if changes.get("region"):
        changes["region"] = region(changes["region"]).pk
    response = _register(as_user(xx22_manager), **changes)
    assert response.status_code == 200
    assert not Institute.objects.exists()


def test_registration_refuses_a_lead_unit_registered_outside_xinxiang(as_user, xx22_manager):
    zhengzhou = OrganizationFactory(region=region("410105"))
    response = _register(as_user(xx22_manager), uscc=zhengzhou.uscc)
    assert response.status_code == 200 and not Institute.objects.exists()
    assert Organization.objects.count() == 1


# ---- revocation pages ------------------------------------------------------------------------------

def test_manual_revocation_needs_evidence_and_document(as_user):
    institute = recognised()
    client = as_user(program_manager("ZZ23"))
    url = reverse("institutes:institute_revoke", args=[institute.pk])
    today = timezone.localdate().isoformat()
    base = {"grounds": "misconduct", "reason": "学术不端", "document_reference": "郑工信〔2025〕9号", "decided_on": today}
    assert client.post(url, base).status_code == 200  # no evidence
    assert client.post(url, {**base, "document_reference": "",
                             "evidence": SimpleUploadedFile("a.pdf", PDF_BYTES)}).status_code == 200
    assert client.post(url, {**base, "grounds": "two_fails",
                             "evidence": SimpleUploadedFile("a.pdf", PDF_BYTES)}).status_code == 200
    assert client.post(url, {**base, "evidence": SimpleUploadedFile("a.pdf", b"plain text")}).status_code == 200
    institute.refresh_from_db()
    assert institute.state == Institute.State.ACTIVE and not Revocation.objects.exists()
    assert client.post(url, {**base, "evidence": SimpleUploadedFile("a.pdf", PDF_BYTES)}).status_code == 302
    institute.refresh_from_db()
    assert institute.state == Institute.State.REVOKED


def test_confirm_without_document_reference_is_refused(as_user):
    institute = recognised()
    proposal(institute)
    client = as_user(program_manager("ZZ23"))
    client.post(reverse("institutes:revocation_confirm", args=[institute.pk]),
                {"document_reference": "", "decided_on": timezone.localdate().isoformat()})
    institute.refresh_from_db()
    assert institute.state == Institute.State.ACTIVE
    assert Revocation.objects.get().state == Revocation.State.PROPOSED


def test_an_institute_sees_only_its_own_reports(as_user, owner, draft):
    other = report(recognised(), year=2020, state=AnnualReport.State.ACCEPTED)
    response = as_user(owner).get(reverse("institutes:my_reports"))
    assert [r.pk for r in response.context["page"]] == [draft.pk]
    assert as_user(owner).get(reverse("institutes:report_detail", args=[other.pk])).status_code == 404
    assert as_user(owner).get(reverse("institutes:institute_detail", args=[other.institute_id])).status_code == 404


def test_institute_page_shows_the_proposal_to_its_manager_only(as_user, owner):
    institute = recognised(owner.organization)
    proposal(institute)
    manager_page = as_user(program_manager("ZZ23")).get(reverse("institutes:institute_detail", args=[institute.pk]))
    assert manager_page.context["confirm_form"] is not None
    assert b'data-testid="confirm-revocation"' in manager_page.content
    owner_page = as_user(owner).get(reverse("institutes:institute_detail", args=[institute.pk]))
    assert owner_page.context["confirm_form"] is None
    assert b'data-testid="revocation"' in owner_page.content

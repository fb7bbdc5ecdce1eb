"""The pages at work: the public objection form (reference number, evidence, rate limit, CSRF), the
manager's meeting → notice → decision pages, objection handling, the inspection form's refusals
with a pointer to the panel page, the acceptance form and the SJZ22 result. Bad input gets a clear
message and changes nothing.

Messages are compared in the language the page is rendered in, through gettext, so the checks hold
before and after the Chinese catalogue is compiled."""
import datetime
import html

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from institutes.models import Application, Institute, RecognitionRequest
from reviews.models import InspectionAttendance, Objection, PublicNotice, SiteInspection
from reviews.models.inspections import AcceptancePoint, AcceptanceReview
from reviews.models.publicity import ThirdPartyRecognition
from reviews.services import publicity as service
from tests.factories import PDF_BYTES, applicant, program_manager
from tests.factories_reviews_publicity import (
    application_in, cultivation_unit, ended_notice, listed_panel, meeting, members, notice, objection,
    recognition_request, scored_acceptance_panel, warm_content_types,
)

pytestmark = pytest.mark.django_db
S = Application.State


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture(autouse=True)
def _content_types_cached():
    warm_content_types()


def says(response, msgid, **params):
    """The page shows `msgid` (with `params`) in the page's language."""
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        text = gettext(msgid) % params if params else gettext(msgid)
    assert text in html.unescape(response.content.decode()), f"the page does not show {text!r}"


def objection_data(**extra):
    return {"name": "李四", "contact": "13700000000", "text": "申报材料与实际不符", **extra}


# ---- the public --------------------------------------------------------------------------------------

def test_anyone_objects_and_gets_a_reference_number(client):
    on_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    item = on_notice.items.get()
    response = client.post(
        reverse("reviews:public_objection", args=[on_notice.pk]),
        objection_data(item=item.pk, attachment=SimpleUploadedFile("证据.pdf", PDF_BYTES)), follow=True,
    )
    filed = Objection.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reviews:public_notice_detail", args=[on_notice.pk])
    assert (filed.item, filed.ip_address, filed.name) == (item, "127.0.0.1", "李四")
    assert filed.attachment.read() == PDF_BYTES
    says(response, "Your objection was received. Its reference number is %(reference)s; keep it to follow up "
                   "with the bureau.", reference=filed.reference)


def test_evidence_that_is_not_a_document_is_refused_and_nothing_is_saved(client):
    on_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    response = client.post(reverse("reviews:public_objection", args=[on_notice.pk]),
                           objection_data(attachment=SimpleUploadedFile("证据.pdf", b"<script>alert(1)</script>")))
    assert response.status_code == 200
    says(response, "“%(name)s” is not a PDF, JPEG/PNG image, Word or Excel file (checked by its content).",
         name="证据.pdf")
    assert not Objection.objects.exists()


def test_an_incomplete_objection_is_refused_with_the_fields_marked(client):
    on_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    response = client.post(reverse("reviews:public_objection", args=[on_notice.pk]), {"name": "李四"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"contact", "text"}
    says(response, "Nothing was saved: please correct the fields marked below.")
    assert not Objection.objects.exists()


def test_the_sixth_objection_within_the_hour_from_one_address_is_refused(client):
    on_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    url = reverse("reviews:public_objection", args=[on_notice.pk])
    for _ in range(service.OBJECTIONS_PER_ADDRESS):
        assert client.post(url, objection_data()).status_code == 302
    response = client.post(url, objection_data())
    assert response.status_code == 200
    says(response, "Too many objections were sent from your network in the last hour. Please try again later, "
                   "or contact the bureau named in the notice.")
    assert Objection.objects.count() == 5
    other = client.post(url, objection_data(), REMOTE_ADDR="192.0.2.44")
    assert other.status_code == 302 and Objection.objects.count() == 6


def test_the_objection_form_needs_the_csrf_token():
    on_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("reviews:public_objection", args=[on_notice.pk]), objection_data())
    assert response.status_code == 403
    assert not Objection.objects.exists()


def test_a_closed_notice_sends_the_objector_back_with_a_message(client):
    closed = ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    response = client.post(reverse("reviews:public_objection", args=[closed.pk]), objection_data(), follow=True)
    says(response, "This notice does not accept objections any more.")
    assert not Objection.objects.exists()
    page = client.get(reverse("reviews:public_notice_detail", args=[closed.pk]))
    assert reverse("reviews:public_objection", args=[closed.pk]) not in page.content.decode()


def test_the_public_page_shows_the_published_names(client):
    application = application_in(S.AWAITING_DECISION)
    on_notice = notice("ZZ23", [application])
    page = client.get(reverse("reviews:public_notice_detail", args=[on_notice.pk])).content.decode()
    assert application.title in page and application.organization.name in page
    assert reverse("reviews:public_objection", args=[on_notice.pk]) in page


# ---- the manager: meeting → notice → objections → decision ---------------------------------------------

def test_a_meeting_and_its_notice_through_the_pages(as_user):
    manager = program_manager("ZZ23")
    client = as_user(manager)
    chosen, dropped = application_in(S.AWAITING_DECISION), application_in(S.AWAITING_DECISION)
    today = timezone.localdate().isoformat()
    response = client.post(reverse("reviews:meeting_new", args=["ZZ23"]), {
        "held_on": today, "document_number": "常务会〔2025〕3号", "minutes": "审定", "approved": [chosen.pk],
        "not_approved": [dropped.pk]})
    made = chosen.decision_meetings.get()
    assert response["Location"] == reverse("reviews:meeting_detail", args=[made.pk])
    response = client.post(reverse("reviews:notice_new", args=[made.pk]),
                           {"title": "公示", "body": "内容", "starts_on": today})
    opened = PublicNotice.objects.get()
    assert response["Location"] == reverse("reviews:notice_detail", args=[opened.pk])
    assert opened.ends_on == service.notice_end(made.program, timezone.localdate())
    chosen.refresh_from_db()
    dropped.refresh_from_db()
    assert (chosen.state, dropped.state) == (S.PUBLICITY, S.REJECTED)


def test_a_meeting_deciding_nothing_is_refused_by_the_form(as_user):
    client = as_user(program_manager("ZZ23"))
    application_in(S.AWAITING_DECISION)
    response = client.post(reverse("reviews:meeting_new", args=["ZZ23"]),
                           {"held_on": timezone.localdate().isoformat(), "minutes": "纪要"})
    assert response.status_code == 200
    says(response, "Choose the applications the meeting decided.")
    assert not PublicNotice.objects.exists()


def test_upholding_an_objection_through_the_page_and_deciding(as_user):
    manager = program_manager("ZZ23")
    client = as_user(manager)
    objected, clean = application_in(S.AWAITING_DECISION), application_in(S.AWAITING_DECISION)
    ended = ended_notice("ZZ23", [objected, clean])
    filed = objection(ended)
    item = ended.items.get(application=objected)
    client.post(reverse("reviews:objection_detail", args=[filed.pk]),
                {"decision": "uphold", "item": item.pk, "response": "经核实属实"})
    filed.refresh_from_db()
    assert (filed.state, filed.item) == (Objection.State.UPHELD, item)
    response = client.post(reverse("reviews:notice_decide", args=[ended.pk]),
                           {"published_on": timezone.localdate().isoformat(), "document_number": "文号"}, follow=True)
    says(response, "Decided: %(approved)d approved, %(not_approved)d not approved.", approved=1, not_approved=1)
    objected.refresh_from_db()
    assert objected.state == S.REJECTED
    assert Institute.objects.get(application=clean).state == Institute.State.ACTIVE


def test_the_decide_form_is_withheld_while_objections_wait(as_user):
    client = as_user(program_manager("ZZ23"))
    ended = ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    objection(ended)
    page = client.get(reverse("reviews:notice_detail", args=[ended.pk]))
    says(page, "Handle every objection first.")
    response = client.post(reverse("reviews:notice_decide", args=[ended.pk]),
                           {"published_on": timezone.localdate().isoformat(), "document_number": "文号"}, follow=True)
    says(response, "some objections have not been handled yet")
    ended.refresh_from_db()
    assert ended.state == PublicNotice.State.CLOSED


def test_the_close_button_appears_once_the_period_has_ended(as_user):
    client = as_user(program_manager("ZZ23"))
    running = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    ended = ended_notice("ZZ23", [application_in(S.AWAITING_DECISION)], state=PublicNotice.State.OPEN)
    close_url = reverse("reviews:notice_close", args=[ended.pk])
    assert close_url in client.get(reverse("reviews:notice_detail", args=[ended.pk])).content.decode()
    page = client.get(reverse("reviews:notice_detail", args=[running.pk])).content.decode()
    assert reverse("reviews:notice_close", args=[running.pk]) not in page
    client.post(close_url)
    ended.refresh_from_db()
    assert ended.state == PublicNotice.State.CLOSED
    response = client.post(reverse("reviews:notice_close", args=[running.pk]), follow=True)
    says(response, "the notice period has not ended yet")
    running.refresh_from_db()
    assert running.state == PublicNotice.State.OPEN


def test_the_objection_evidence_is_served_to_the_manager_as_a_download(as_user):
    on_notice = notice("ZZ23", [application_in(S.AWAITING_DECISION)])
    filed = objection(on_notice, attachment=PDF_BYTES)
    response = as_user(program_manager("ZZ23")).get(reverse("reviews:objection_attachment", args=[filed.pk]))
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]


# ---- site inspection pages ------------------------------------------------------------------------------

def test_a_refused_visit_says_why_and_points_to_the_panel_page(as_user):
    panel, _listed, _off = listed_panel()
    client = as_user(program_manager("ZZ23"))
    present = [m.pk for m in members(panel)[:2]]
    response = client.post(reverse("reviews:inspection_panel", args=[panel.pk]), {
        "visited_on": timezone.localdate().isoformat(), "location": "现场", "present": present})
    assert response.status_code == 200
    says(response, "%(absent)d experts are absent; a site inspection may go ahead with at most %(max)d absent. "
                   "Replace the absent experts by a new draw on the panel page, then record the visit.",
         absent=3, max=2)
    assert reverse("reviews:panel_detail", args=[panel.pk]) in response.content.decode()
    assert not SiteInspection.objects.exists() and not InspectionAttendance.objects.exists()


def test_visit_and_assessments_through_the_pages(as_user):
    panel, (first, second), _off = listed_panel()
    client = as_user(program_manager("ZZ23"))
    response = client.post(reverse("reviews:inspection_panel", args=[panel.pk]), {
        "visited_on": timezone.localdate().isoformat(), "location": "现场",
        "present": [m.pk for m in members(panel)]})
    inspection = SiteInspection.objects.get()
    assert response["Location"] == reverse("reviews:inspection_detail", args=[inspection.pk])
    assessment = {"strengths": "优势", "necessity": "必要", "problems": "问题", "future_focus": "重点",
                  "recommend_listing": "yes"}
    for item in (first, second):
        client.post(reverse("reviews:inspection_assess", args=[inspection.pk, item.pk]), assessment)
    for item in (first, second):
        item.application.refresh_from_db()
        assert item.application.state == S.AWAITING_DECISION
    page = client.get(reverse("reviews:inspection_detail", args=[inspection.pk]))
    says(page, "Every listed applicant has been assessed.")


# ---- recognition pages --------------------------------------------------------------------------------

def test_the_unit_files_through_its_page(as_user):
    unit = cultivation_unit()
    member = applicant(organization=unit.lead_unit)
    client = as_user(member)
    listing = client.get(reverse("reviews:cultivation_units")).content.decode()
    assert reverse("reviews:recognition_file", args=[unit.pk]) in listing
    response = client.post(reverse("reviews:recognition_file", args=[unit.pk]), {
        "summary": "七项任务完成", "materials": SimpleUploadedFile("材料.pdf", PDF_BYTES)})
    filed = RecognitionRequest.objects.get()
    assert response["Location"] == reverse("reviews:recognition_detail", args=[filed.pk])
    download = client.get(reverse("reviews:recognition_materials", args=[filed.pk]))
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_a_failed_point_without_notes_is_refused_by_the_acceptance_form(as_user):
    request = recognition_request(cultivation_unit(), state=RecognitionRequest.State.UNDER_ACCEPTANCE)
    scored_acceptance_panel(request)
    client = as_user(program_manager("HN23"))
    data = {"held_on": timezone.localdate().isoformat(), "report": "报告",
            **{f"{point}_passed": "yes" for point in AcceptancePoint.values}, "alliance_passed": "no"}
    response = client.post(reverse("reviews:recognition_acceptance", args=[request.pk]), data)
    assert response.status_code == 200
    assert "alliance_notes" in response.context["form"].errors
    assert not AcceptanceReview.objects.exists()
    data["alliance_notes"] = "联盟未成立"
    client.post(reverse("reviews:recognition_acceptance", args=[request.pk]), data)
    request.refresh_from_db()
    request.institute.refresh_from_db()
    assert (request.state, request.institute.state) == (RecognitionRequest.State.FAILED, Institute.State.RECTIFYING)
    page = client.get(reverse("reviews:recognition_detail", args=[request.pk])).content.decode()
    assert "联盟未成立" in page and page.count("criterion-pass") == 6


def test_the_sjz22_result_is_recorded_through_its_page(as_user):
    application = application_in(S.AWAITING_DECISION, "SJZ22")
    client = as_user(program_manager("SJZ22"))
    url = reverse("reviews:third_party_recognition", args=[application.pk])
    response = client.post(url, {"agency": "评估中心", "concluded_on": timezone.localdate().isoformat(),
                                 "recognised": "yes", "summary": "通过"})
    assert response.status_code == 200 and "evidence" in response.context["form"].errors
    assert not ThirdPartyRecognition.objects.exists()
    client.post(url, {"agency": "评估中心", "concluded_on": timezone.localdate().isoformat(), "recognised": "yes",
                      "summary": "通过", "evidence": SimpleUploadedFile("报告.pdf", PDF_BYTES)})
    application.refresh_from_db()
    assert application.state == S.APPROVED
    page = client.get(url).content.decode()
    assert reverse("reviews:third_party_evidence", args=[application.pk]) in page


def test_a_meeting_page_of_another_program_is_not_found(as_user):
    made = meeting("HN23", [application_in(S.AWAITING_DECISION, "HN23")])
    assert as_user(program_manager("ZZ23")).get(reverse("reviews:meeting_detail", args=[made.pk])).status_code == 404
    future = notice("ZZ23", [application_in(S.AWAITING_DECISION)],
                    starts_on=timezone.localdate() + datetime.timedelta(days=2))
    assert Client().get(reverse("reviews:public_objection", args=[future.pk])).status_code == 404

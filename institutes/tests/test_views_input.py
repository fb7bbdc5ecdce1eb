"""Bad input of every kind gets a clear message and leaves the data as it was (issue 2, "Must hold").

Messages are checked in the language the page is rendered in (Chinese by default). The project's
catalogue may not be compiled yet, so `assert_says` accepts the English source text or its
zh-hans translation; Django's own messages are checked by their error code.
"""
import datetime
import html
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from institutes.models import Application, Attachment, DistrictReview, IndustryField
from portal.accounts.models import Invitation, Organization, User
from portal.accounts.uscc_factory import make_uscc
from portal.audit.models import AuditEvent
from portal.storage import PrivateStorage
from portal.storage import backend as private_backend
from tests.factories import (
    PASSWORD, PDF_BYTES, PNG_BYTES, ApplicationFactory, OrganizationFactory, applicant, attachment, complete_zz23,
    district_user, docx_bytes, participant, region, submit_directly, xlsx_bytes,
    zip_bytes,
)

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Fresh-passphrase-2026"




# ---- helpers ---------------------------------------------------------------------------------

def variants(msgid, **params):
    """The message as English source text and as its zh-hans translation."""
    texts = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            text = gettext(msgid)
            if params:
                text = text % {key: str(value) if isinstance(value, Promise) else value for key, value in params.items()}
        texts.append(text)
    return texts


def assert_says(response, msgid, **params):
    page = html.unescape(response.content.decode())
    english, chinese = variants(msgid, **params)
    assert english in page or chinese in page, f"the page shows neither {english!r} nor {chinese!r}"


def formset(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


PARTNER_USCC = make_uscc("410105", 777001)


def draft_data(*, years=None, participants=None, **fields):
    """A valid save of the ZZ23 edit form; override fields, year rows or participant rows to break it."""
    last = timezone.localdate().year - 1
    data = {
        "title": "智能装备产业研究院", "industry_field": str(IndustryField.objects.get(code="advanced-equipment").pk),
        "contact_name": "张三", "contact_phone": "0371-12345678", "categories": ["industry_head"],
        "is_high_tech": "on", "has_provincial_platform": "on", "has_rd_facilities": "on",
        "completed_key_project": "on", "declares_not_dishonest": "on",
        "direction": "方向", "targets": "目标", "roadmap": "路线", "budget": "1000000.00",
        "rd_staff_count": "40", "registered_capital": "", "experts_to_avoid": "",
    }
    data.update(fields)
    if years is None:
        years = [{"year": str(y), "operating_revenue": "150000000", "rd_spending": "6000000", "fiscal_support": "0"}
                 for y in (last - 2, last - 1, last)]
    if participants is None:
        participants = [{"name": "合作大学", "uscc": PARTNER_USCC, "role": "联合研发"}]
    data.update(formset("years", years))
    data.update(formset("ip", []))
    data.update(formset("participants", participants))
    return data


def with_year(index, **changes):
    rows = draft_data()
    years = [{key: rows[f"years-{i}-{key}"] for key in ("year", "operating_revenue", "rd_spending", "fiscal_support")}
             for i in range(3)]
    years[index].update(changes)
    return years


def stored(application):
    """Everything an edit could change about one application."""
    application = Application.objects.get(pk=application.pk)
    return (
        model_to_dict(application, exclude=["id"]),
        application.updated_at,
        list(application.years.values()),
        list(application.ip_assets.values()),
        list(application.participants.values()),
        list(application.attachments.values()),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def owner():
    return applicant()


@pytest.fixture
def draft(owner):
    return ApplicationFactory(organization=owner.organization, created_by=owner)


def edit(client, application, data):
    """POST the edit form as a browser would: built from the application's current version."""
    application.refresh_from_db(fields=["version"])
    data = {"seen_version": str(application.version), **data}
    return client.post(reverse("institutes:application_edit", args=[application.pk]), data)


# ---- saving a draft --------------------------------------------------------------------------

def test_a_valid_draft_is_saved(as_user, owner, draft):
    response = edit(as_user(owner), draft, draft_data())
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "智能装备产业研究院"
    assert draft.years.count() == 3
    assert list(draft.participants.values_list("uscc", flat=True)) == [PARTNER_USCC]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("budget", "-1", "min_value"),
    ("budget", "abc", "invalid"),
    ("budget", "1,000", "invalid"),
    ("budget", "NaN", "invalid"),
    ("budget", "Infinity", "invalid"),
    ("budget", "1.234", "max_decimal_places"),
    ("budget", "1" + "0" * 15, "max_whole_digits"),
    ("registered_capital", "-0.01", "min_value"),
    ("rd_staff_count", "-3", "min_value"),
    ("rd_staff_count", "十", "invalid"),
])
def test_bad_money_or_count_in_the_plan_is_refused_and_nothing_saved(as_user, owner, draft, field, value, code):
    before = stored(draft)
    response = edit(as_user(owner), draft, draft_data(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].has_error(field, code)
    assert_says(response, "Nothing was saved: please correct the fields marked below.")
    assert stored(draft) == before


@pytest.mark.parametrize(("column", "value", "code"), [
    ("operating_revenue", "-100", "min_value"),
    ("rd_spending", "-0.01", "min_value"),
    ("fiscal_support", "-5", "min_value"),
    ("operating_revenue", "abc", "invalid"),
    ("rd_spending", "一百万", "invalid"),
    ("fiscal_support", "", "required"),
])
def test_bad_figures_in_a_financial_year_are_refused_and_nothing_saved(as_user, owner, draft, column, value, code):
    before = stored(draft)
    response = edit(as_user(owner), draft, draft_data(years=with_year(1, **{column: value})))
    assert response.status_code == 200
    assert response.context["years"].forms[1].has_error(column, code)
    assert_says(response, "Nothing was saved: please correct the fields marked below.")
    assert stored(draft) == before


def test_money_in_exponent_notation_is_read_as_a_number(as_user, owner, draft):
    """'1e5' is a well-formed decimal (100000); it is accepted, not silently mangled."""
    response = edit(as_user(owner), draft, draft_data(budget="1e5"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.budget == 100000


def test_a_duplicated_year_is_refused_and_nothing_saved(as_user, owner, draft):
    before = stored(draft)
    response = edit(as_user(owner), draft, draft_data(years=with_year(2, year=with_year(1)[1]["year"])))
    assert response.status_code == 200
    errors = response.context["years"].non_form_errors()
    assert errors
    assert all(message in html.unescape(response.content.decode()) for message in errors)
    assert stored(draft) == before



def test_a_duplicated_year_is_explained_in_the_portals_words(as_user, owner, draft):
    response = edit(as_user(owner), draft, draft_data(years=with_year(2, year=with_year(1)[1]["year"])))
    assert_says(response, "Each year may appear only once.")


def test_a_duplicated_participant_is_explained_in_the_portals_words(as_user, owner, draft):
    rows = [{"name": "合作大学", "uscc": PARTNER_USCC, "role": ""}, {"name": "再写一遍", "uscc": PARTNER_USCC, "role": ""}]
    response = edit(as_user(owner), draft, draft_data(participants=rows))
    assert_says(response, "A participating unit is listed twice.")


def test_a_year_outside_the_last_completed_years_is_refused(as_user, owner, draft):
    before = stored(draft)
    last = timezone.localdate().year - 1
    response = edit(as_user(owner), draft, draft_data(years=with_year(0, year=str(last - 3))))
    assert response.context["years"].forms[0].errors["year"]
    assert_says(response, "Enter one of the last three completed years (%(first)d–%(last)d).",
                first=last - 2, last=last)
    assert stored(draft) == before


@pytest.mark.parametrize(("uscc", "msgid"), [
    (PARTNER_USCC[:-1] + ("0" if PARTNER_USCC[-1] != "0" else "1"),
     "The unified social credit code %(code)s has a wrong check character; please check it."),
    (PARTNER_USCC[:-1], "%(code)s is not a unified social credit code (18 characters: digits and capital letters)."),
    ("12345", "%(code)s is not a unified social credit code (18 characters: digits and capital letters)."),
])
def test_a_malformed_participant_uscc_is_refused_and_nothing_saved(as_user, owner, draft, uscc, msgid):
    before = stored(draft)
    rows = [{"name": "合作大学", "uscc": uscc, "role": ""}]
    response = edit(as_user(owner), draft, draft_data(participants=rows))
    assert response.status_code == 200
    assert response.context["participants"].forms[0].errors["uscc"]
    assert_says(response, msgid, code=uscc)
    assert stored(draft) == before


def test_two_different_malformed_participant_usccs_are_not_called_duplicates(as_user, owner, draft):
    rows = [{"name": "甲单位", "uscc": "12345", "role": ""}, {"name": "乙单位", "uscc": "67890", "role": ""}]
    response = edit(as_user(owner), draft, draft_data(participants=rows))
    assert all(form.errors["uscc"] for form in response.context["participants"].forms)
    assert not response.context["participants"].non_form_errors()


def test_the_same_participant_twice_is_refused(as_user, owner, draft):
    before = stored(draft)
    rows = [{"name": "合作大学", "uscc": PARTNER_USCC, "role": ""}, {"name": "再写一遍", "uscc": PARTNER_USCC, "role": ""}]
    response = edit(as_user(owner), draft, draft_data(participants=rows))
    assert response.status_code == 200
    assert response.context["participants"].non_form_errors()
    assert stored(draft) == before


def test_the_lead_unit_cannot_be_its_own_participant(as_user, owner, draft):
    before = stored(draft)
    rows = [{"name": "本单位", "uscc": owner.organization.uscc, "role": ""}]
    response = edit(as_user(owner), draft, draft_data(participants=rows))
    assert_says(response, "The lead unit must not be listed as its own participating unit.")
    assert stored(draft) == before


def test_a_submitted_application_can_no_longer_be_edited(as_user, owner, draft):
    submit_directly(draft)
    before = stored(draft)
    response = edit(as_user(owner), draft, draft_data(title="提交后偷偷改名"))
    assert response.status_code == 302
    assert response["Location"] == reverse("institutes:application_detail", args=[draft.pk])
    page = as_user(owner).get(response["Location"])
    assert_says(page, "The application can no longer be changed: its status is “%(state)s”.",
                state=Application.State.SUBMITTED.label)
    assert stored(draft) == before


def test_a_post_for_another_organisations_application_is_404_and_changes_nothing(as_user, draft):
    before = stored(draft)
    response = edit(as_user(applicant()), draft, draft_data(title="别人家的申报"))
    assert response.status_code == 404
    assert stored(draft) == before


@pytest.mark.parametrize("code", ["NOPE", "XX22"])
def test_starting_an_application_for_an_unknown_or_closed_program_is_404(as_user, owner, code):
    response = as_user(owner).post(reverse("institutes:application_start"), {"program": code})
    assert response.status_code == 404
    assert not Application.objects.exists()


# ---- attachments -----------------------------------------------------------------------------

def upload(client, application, name, content, kind="business_license"):
    return client.post(
        reverse("institutes:attachment_upload", args=[application.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        follow=True,
    )


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("审计报告.pdf", PDF_BYTES, "application/pdf"),
    ("营业执照.png", PNG_BYTES, "image/png"),
    ("扫描件.pdf", PNG_BYTES, "image/png"),  # a misnamed image is still an image
    ("建设方案.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("财务表.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("旧版方案.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "application/msword"),
])
def test_pdf_images_word_and_excel_are_accepted_by_content(as_user, owner, draft, name, content, content_type):
    response = upload(as_user(owner), draft, name, content)
    assert_says(response, "Attachment uploaded.")
    item = draft.attachments.get()
    assert (item.original_name, item.content_type, item.size) == (name, content_type, len(content))


@pytest.mark.parametrize(("name", "content"), [
    ("营业执照.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),  # a Windows program
    ("营业执照.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("营业执照.pdf", "这只是一段文字，不是PDF。".encode()),
    ("建设方案.docx", zip_bytes("readme.txt")),  # a plain zip is not a Word document
    ("财务表.xlsx", b"PK\x03\x04 not really a zip"),
    ("图片.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),  # GIF is not on the list
])
def test_disguised_files_are_refused_by_content_and_nothing_stored(as_user, owner, draft, settings, name, content):
    before = stored(draft)
    response = upload(as_user(owner), draft, name, content)
    assert_says(response, "“%(name)s” is not a PDF, JPEG/PNG image, Word or Excel file (checked by its content).",
                name=name)
    assert stored(draft) == before
    assert not [path for path in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()]


def test_an_oversize_file_is_refused_and_one_at_the_limit_accepted(as_user, owner, draft, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    client = as_user(owner)
    before = stored(draft)
    padding = b"\x00" * (settings.ATTACHMENT_MAX_BYTES - len(PDF_BYTES))

    too_big = upload(client, draft, "太大.pdf", PDF_BYTES + padding + b"\x00")
    assert_says(too_big, "The file is %(size)s MB; at most %(max)s MB is allowed.", size=1.0, max=1)
    assert stored(draft) == before

    upload(client, draft, "正好.pdf", PDF_BYTES + padding)
    assert draft.attachments.get().size == settings.ATTACHMENT_MAX_BYTES


def test_an_upload_without_a_file_says_so(as_user, owner, draft):
    before = stored(draft)
    response = as_user(owner).post(
        reverse("institutes:attachment_upload", args=[draft.pk]), {"kind": "other"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("institutes:application_detail", args=[draft.pk])
    assert response.context["messages"] and "error" in [m.tags for m in response.context["messages"]]
    assert stored(draft) == before


def test_no_upload_to_a_submitted_application(as_user, owner, draft):
    submit_directly(draft)
    before = stored(draft)
    response = upload(as_user(owner), draft, "补充.pdf", PDF_BYTES)
    assert_says(response, "The application can no longer be changed: its status is “%(state)s”.",
                state=Application.State.SUBMITTED.label)
    assert stored(draft) == before


def test_no_attachment_removed_from_a_submitted_application(as_user, owner, draft):
    item = attachment(draft)
    submit_directly(draft)
    before = stored(draft)
    response = as_user(owner).post(
        reverse("institutes:attachment_delete", args=[draft.pk, item.pk]), follow=True
    )
    assert_says(response, "The application can no longer be changed: its status is “%(state)s”.",
                state=Application.State.SUBMITTED.label)
    assert stored(draft) == before
    assert Path(item.file.path).exists()


def test_removing_an_attachment_of_a_draft_deletes_the_row_and_the_file(
    as_user, owner, draft, django_capture_on_commit_callbacks
):
    item = attachment(draft)
    path = Path(item.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(owner).post(reverse("institutes:attachment_delete", args=[draft.pk, item.pk]))
    assert not draft.attachments.exists()
    assert not path.exists()


def test_download_returns_the_bytes_as_an_attachment(as_user, owner, draft):
    upload(as_user(owner), draft, "审计报告.pdf", PDF_BYTES)
    item = draft.attachments.get()

    response = as_user(owner).get(reverse("institutes:attachment_download", args=[draft.pk, item.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_misnamed_image_is_served_as_what_it_is(as_user, owner, draft):
    upload(as_user(owner), draft, "扫描件.pdf", PNG_BYTES)
    item = draft.attachments.get()
    response = as_user(owner).get(reverse("institutes:attachment_download", args=[draft.pk, item.pk]))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    response.close()


def _under(path, root):
    return Path(path).resolve().is_relative_to(Path(root).resolve())


def test_the_stored_file_is_under_the_private_root_and_outside_every_web_root(as_user, owner, draft, settings):
    upload(as_user(owner), draft, "审计报告.pdf", PDF_BYTES)
    path = draft.attachments.get().file.path

    assert _under(path, settings.PRIVATE_MEDIA_ROOT)
    assert Path(path).read_bytes() == PDF_BYTES
    assert not _under(path, settings.STATIC_ROOT)
    assert not any(_under(path, static) for static in settings.STATICFILES_DIRS)
    assert not _under(path, django_settings.BASE_DIR / "static")


def test_the_configured_attachment_storage_is_outside_every_web_root(settings):
    assert isinstance(Attachment._meta.get_field("file").storage, PrivateStorage)
    location = private_backend().location
    assert not _under(location, settings.STATIC_ROOT)
    assert not _under(settings.STATIC_ROOT, location)
    assert not any(_under(location, static) for static in settings.STATICFILES_DIRS)


def test_the_attachment_storage_follows_the_private_media_root_setting(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "elsewhere"
    assert private_backend().location == str(tmp_path / "elsewhere")
    upload_name = Attachment._meta.get_field("file").storage.save("a/b.txt", ContentFile(b"x"))
    assert (tmp_path / "elsewhere" / upload_name).read_bytes() == b"x"


# ---- submitting twice ------------------------------------------------------------------------

def test_submitting_twice_gives_a_message_and_one_audit_event(
    as_user, owner, draft, django_capture_on_commit_callbacks
):
    complete_zz23(draft)
    reviewer = district_user(["410105"], "industry")
    client = as_user(owner)
    url = reverse("institutes:application_submit", args=[draft.pk])

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url)

    assert first.status_code == 302
    assert second.status_code == 200
    assert_says(second, "This cannot be done while the status is “%(state)s”.", state=Application.State.SUBMITTED.label)
    assert AuditEvent.objects.filter(action="submit").count() == 1
    assert reviewer.notifications.count() == 1
    draft.refresh_from_db()
    assert (draft.state, draft.submission_round) == (Application.State.SUBMITTED, 1)


def test_an_ineligible_application_is_not_submitted_and_says_why(as_user, owner, draft):
    complete_zz23(draft, revenue="100000000", rd="2710000")
    before = stored(draft)
    response = as_user(owner).post(reverse("institutes:application_submit", args=[draft.pk]))
    assert response.status_code == 200
    assert "2.71% < 3.00%" in html.unescape(response.content.decode())
    assert stored(draft) == before


# ---- district decision -----------------------------------------------------------------------

CHECKLIST = {f"check_{key}": "on" for key in (
    "materials_complete", "in_region", "figures_match", "qualifications_verified", "credit_checked")}


@pytest.fixture
def filed(draft):
    return submit_directly(complete_zz23(draft))


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_or_reject_without_a_comment_records_nothing(as_user, filed, decision):
    before = stored(filed)
    response = as_user(district_user()).post(
        reverse("institutes:district_review", args=[filed.pk]), {"decision": decision, "comment": "  ", **CHECKLIST}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["comment"]
    assert_says(response, "Please give the reason; the applicant will read it.")
    assert not DistrictReview.objects.exists()
    assert stored(filed) == before


def test_recommend_without_every_checklist_item_records_nothing(as_user, filed):
    before = stored(filed)
    partial = dict(list(CHECKLIST.items())[:4])
    response = as_user(district_user()).post(
        reverse("institutes:district_review", args=[filed.pk]), {"decision": "recommend", **partial}
    )
    assert response.status_code == 200
    assert_says(response, "Every checklist item must be confirmed before recommending.")
    assert not DistrictReview.objects.exists()
    assert stored(filed) == before


def test_an_unknown_decision_records_nothing(as_user, filed):
    before = stored(filed)
    response = as_user(district_user()).post(
        reverse("institutes:district_review", args=[filed.pk]), {"decision": "approve", **CHECKLIST}
    )
    assert response.context["form"].has_error("decision", "invalid_choice")
    assert stored(filed) == before


def test_a_return_with_a_comment_is_recorded_once(as_user, filed):
    client = as_user(district_user())
    url = reverse("institutes:district_review", args=[filed.pk])
    first = client.post(url, {"decision": "return", "comment": "请补充审计报告"})
    second = client.post(url, {"decision": "return", "comment": "再点一次"}, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[-1][0] == reverse("institutes:application_detail", args=[filed.pk])
    assert_says(second, "The application is “%(state)s”; there is nothing to decide.",
                state=Application.State.RETURNED.label)
    assert DistrictReview.objects.get().comment == "请补充审计报告"
    assert AuditEvent.objects.filter(action="return_for_revision").count() == 1


# ---- registration ----------------------------------------------------------------------------

def registration(**changes):
    data = {
        "username": "newcomer", "first_name": "新用户", "email": "new@example.test", "phone": "",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "organization_name": "新注册科技有限公司",
        "uscc": make_uscc("410105", 888001), "organization_kind": "enterprise", "region": str(region("410105").pk),
    }
    data.update(changes)
    return data


def counts():
    return User.objects.count(), Organization.objects.count()


def test_registration_creates_the_organisation_and_its_first_applicant(client):
    response = client.post(reverse("register"), registration())
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.organization.uscc == make_uscc("410105", 888001)
    assert user.organization.region.code == "410105"
    assert list(user.groups.values_list("name", flat=True)) == ["applicant"]
    assert client.session["_auth_user_id"] == str(user.pk)


def test_registration_normalises_a_lower_case_uscc(client):
    client.post(reverse("register"), registration(uscc=make_uscc("410105", 888001).lower()))
    assert Organization.objects.get().uscc == make_uscc("410105", 888001)


VALID = make_uscc("410105", 888001)


@pytest.mark.parametrize(("uscc", "msgid"), [
    ("ABC123", "%(code)s is not a unified social credit code (18 characters: digits and capital letters)."),
    (VALID[:-1], "%(code)s is not a unified social credit code (18 characters: digits and capital letters)."),
    (VALID[:-1] + ("0" if VALID[-1] != "0" else "1"),
     "The unified social credit code %(code)s has a wrong check character; please check it."),
])
def test_registration_with_a_malformed_uscc_creates_nothing(client, uscc, msgid):
    before = counts()
    response = client.post(reverse("register"), registration(uscc=uscc))
    assert response.status_code == 200
    assert response.context["form"].errors["uscc"]
    assert_says(response, msgid, code=uscc)
    assert counts() == before


def test_registration_of_an_already_registered_uscc_creates_nothing(client):
    existing = OrganizationFactory()
    before = counts()
    response = client.post(reverse("register"), registration(uscc=existing.uscc))
    assert response.status_code == 200
    assert_says(response, "This organisation is already registered. Ask a colleague who has an account to invite you.")
    assert counts() == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"organization_name": ""}, "organization_name"),
    ({"email": ""}, "email"),
    ({"region": "999999"}, "region"),
    ({"password2": "something-else-2026"}, "password2"),
    ({"password1": "12345678", "password2": "12345678"}, "password2"),
])
def test_registration_with_a_missing_or_bad_field_creates_nothing(client, changes, field):
    before = counts()
    response = client.post(reverse("register"), registration(**changes))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert counts() == before


# ---- invitations -----------------------------------------------------------------------------

def test_an_invited_colleague_joins_the_same_organisation(as_user, client, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        as_user(owner).post(reverse("organization_profile"), {"email": "colleague@example.test"})
    invitation = Invitation.objects.get()
    link = reverse("accept_invitation", args=[invitation.token])
    assert mail.outbox[0].to == ["colleague@example.test"] and link in mail.outbox[0].body

    guest = Client()
    assert guest.get(link).status_code == 200
    response = guest.post(link, {
        "username": "colleague", "first_name": "同事", "email": "colleague@example.test", "phone": "",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })

    assert response.status_code == 302
    colleague = User.objects.get(username="colleague")
    assert colleague.organization == owner.organization
    assert colleague.has_role("applicant")
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert Client().get(link).status_code == 404  # used once


def test_an_expired_invitation_is_404_and_creates_nothing(client, owner):
    invitation = Invitation.objects.create(
        organization=owner.organization, email="late@example.test", token="late-token", invited_by=owner
    )
    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    link = reverse("accept_invitation", args=[invitation.token])
    before = counts()

    assert client.get(link).status_code == 404
    assert client.post(link, {
        "username": "late", "first_name": "迟到", "email": "late@example.test",
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    }).status_code == 404
    assert counts() == before


def test_an_unknown_invitation_token_is_404(client):
    assert client.get(reverse("accept_invitation", args=["no-such-token"])).status_code == 404


def test_a_bad_invitation_email_sends_nothing(as_user, owner):
    response = as_user(owner).post(reverse("organization_profile"), {"email": "not-an-email"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


# ---- CSRF, login throttling, sessions ---------------------------------------------------------

def test_a_post_without_csrf_token_is_refused(owner, filed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    before = stored(filed)
    response = client.post(reverse("institutes:application_withdraw", args=[filed.pk]))
    assert response.status_code == 403
    assert stored(filed) == before


def test_the_same_post_with_the_csrf_token_goes_through(owner, filed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("institutes:application_detail", args=[filed.pk]))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("institutes:application_withdraw", args=[filed.pk]), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.state == Application.State.WITHDRAWN


@pytest.mark.parametrize("name", ["login", "register"])
def test_anonymous_forms_need_the_csrf_token_too(name):
    before = counts()
    response = Client(enforce_csrf_checks=True).post(reverse(name), registration(password=PASSWORD))
    assert response.status_code == 403
    assert counts() == before


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_four_failed_logins_do_not_lock_the_account(client, settings, owner):
    settings.AXES_ENABLED = True
    for _ in range(4):
        assert login(client, owner.username, "wrong-password").status_code == 200
    assert login(client, owner.username, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_five_failed_logins_lock_the_account_even_for_the_right_password(client, settings, owner):
    settings.AXES_ENABLED = True
    for _ in range(5):
        login(client, owner.username, "wrong-password")
    response = login(client, owner.username, PASSWORD)
    assert response.status_code in (403, 429)
    assert_says(response, "Account temporarily locked")
    assert "_auth_user_id" not in client.session


def test_session_ends_with_the_browser_and_after_two_hours_at_most(settings, client, owner):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 2 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True
    login(client, owner.username, PASSWORD)
    assert client.cookies["sessionid"]["expires"] == ""  # a browser-session cookie
    assert client.cookies["sessionid"]["max-age"] == ""


def test_editing_the_saved_rows_of_a_draft_updates_them(as_user, owner, draft):
    client = as_user(owner)
    edit(client, draft, draft_data())
    saved = list(draft.years.order_by("year"))
    partner = draft.participants.get()
    data = draft_data(years=[], participants=[])
    data.update(formset("years", [
        {"id": str(y.pk), "year": str(y.year), "operating_revenue": "200000000", "rd_spending": "7000000",
         "fiscal_support": "0"} for y in saved
    ]))
    data.update(formset("participants", [{"id": str(partner.pk), "name": "改名的合作大学", "uscc": partner.uscc, "role": ""}]))
    data["years-INITIAL_FORMS"] = "3"
    data["participants-INITIAL_FORMS"] = "1"

    response = edit(client, draft, data)

    assert response.status_code == 302
    assert set(draft.years.values_list("operating_revenue", flat=True)) == {200000000}
    assert draft.participants.get().name == "改名的合作大学"


def test_a_logged_in_user_posting_the_registration_form_registers_nothing(as_user, owner):
    before = counts()
    response = as_user(owner).post(reverse("register"), registration())
    assert response.status_code == 302
    assert counts() == before


def test_fields_outside_the_form_cannot_be_posted_into_the_application(as_user, owner, draft):
    other = OrganizationFactory()
    response = edit(as_user(owner), draft, draft_data(
        state="approved", organization=str(other.pk), program="2", reference="FORGED-1", version="99",
        submission_round="7", eligibility_report='{"passed": true}',
    ))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, draft.organization_id, draft.program.code, draft.version, draft.submission_round) == (
        Application.State.DRAFT, owner.organization_id, "ZZ23", 1, 0)
    assert draft.reference != "FORGED-1" and draft.eligibility_report == {}


def test_rows_of_another_application_cannot_be_changed_or_deleted_through_ones_own_form(as_user, owner, draft):
    stranger = applicant()
    theirs = complete_zz23(ApplicationFactory(organization=stranger.organization, created_by=stranger))
    their_partner = participant(theirs, name="别人的合作单位")
    their_patent = theirs.ip_assets.get()
    before = stored(theirs)
    data = draft_data(participants=[])
    data.update(formset("participants", [{"id": str(their_partner.pk), "name": "被改掉了", "uscc": their_partner.uscc}]))
    data.update(formset("ip", [{"id": str(their_patent.pk), "kind": "other", "title": "被改掉了", "number": "X",
                                "DELETE": "on"}]))
    data["participants-INITIAL_FORMS"] = data["ip-INITIAL_FORMS"] = "1"

    edit(as_user(owner), draft, data)

    after = stored(theirs)
    assert after[2:6] == before[2:6]  # years, IP, participants, attachments of the other application
    their_partner.refresh_from_db()
    assert their_partner.name == "别人的合作单位"


def test_a_save_from_a_stale_form_changes_nothing_and_says_why(as_user, owner, draft):
    client = as_user(owner)
    stale = {"seen_version": "0", **draft_data(title="第一位同事的名称")}
    assert edit(client, draft, draft_data(title="第二位同事的名称")).status_code == 302
    response = client.post(reverse("institutes:application_edit", args=[draft.pk]), stale)
    assert response.status_code == 200
    assert any(text in response.content.decode() for text in variants(
        "Someone else changed this application meanwhile. Reload the page and try again."))
    draft.refresh_from_db()
    assert draft.title == "第二位同事的名称"

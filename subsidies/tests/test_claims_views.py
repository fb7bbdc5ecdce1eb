"""The claim and rule pages end to end through the test client: filing with the rule's facts,
bad input on the form, evidence checked by content, decisions with reasons, what the applicant sees."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.notify.models import Notification
from subsidies.models import Claim, ClaimAttachment, PolicyRuleVersion
from tests.factories import PDF_BYTES, OrganizationFactory, applicant, program_manager
from tests.factories_subsidies_claims import applicant_for, claim, covered_institute, in_state, unit_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def errors_of(response, field):
    return " ".join(response.context["form"].errors.get(field, []))


def test_the_claim_form_asks_the_rules_facts(as_user):
    client = as_user(applicant_for("XX22-11"))
    html = client.get(reverse("subsidies:claim_new"), {"rule": "XX22-11"}).content.decode()
    assert "fact_revenue" in html and "fact_previous_peak_revenue" in html
    assert "payee_institute" in html and "payee_enterprise" in html
    client = as_user(applicant_for("SJZ22-6"))
    assert "staff_override" not in client.get(reverse("subsidies:claim_new"), {"rule": "SJZ22-6"}).content.decode()


def test_yearly_rules_are_not_offered_and_cannot_be_opened(as_user):
    client = as_user(applicant())
    html = client.get(reverse("subsidies:claim_new")).content.decode()
    assert '"claim-rule-ZZ23-3"' in html
    assert '"claim-rule-ZZ23-1"' not in html and '"claim-rule-XX22-1"' not in html and '"claim-rule-SJZ22-4"' not in html
    assert client.get(reverse("subsidies:claim_new"), {"rule": "ZZ23-1"}).status_code == 404
    assert client.get(reverse("subsidies:claim_new"), {"rule": "NOPE"}).status_code == 404


@pytest.mark.parametrize(("value", "message"), [
    ("-100", "greater than or equal to 0"),
    ("abc", "Enter a number"),
    ("12.345", "2 decimal places"),
    ("", "required"),
])
def test_bad_money_on_the_claim_form(as_user, value, message):
    client = as_user(applicant())
    response = client.post(reverse("subsidies:claim_new") + "?rule=ZZ23-3",
                           {"event_date": "2024-05-10", "subject": "x", "fact_investment": value})
    assert response.status_code == 200
    assert message in errors_of(response, "fact_investment")
    assert not Claim.objects.exists()


def test_unknown_payee_credit_code_is_refused(as_user):
    client = as_user(applicant_for("XX22-3"))
    response = client.post(reverse("subsidies:claim_new") + "?rule=XX22-3", {
        "event_date": "2024-05-10", "subject": "挂牌", "fact_board": "neeq", "payee_institute": "91410100MA00000000"})
    assert "No registered organisation" in errors_of(response, "payee_institute")


def test_split_payee_by_credit_code(as_user):
    user = applicant_for("XX22-3")
    parent = covered_institute(unit_in("410702"), "XX22")
    other = parent.lead_unit
    client = as_user(user)
    client.post(reverse("subsidies:claim_new") + "?rule=XX22-3", {
        "event_date": "2024-05-10", "subject": "挂牌", "fact_board": "neeq", "payee_institute": other.uscc,
        "institute": parent.pk})
    made = Claim.objects.get()
    assert {row.role: row.organization for row in made.payees.all()} == {"institute": other}
    html = client.get(reverse("subsidies:claim_detail", args=[made.pk])).content.decode()
    assert other.name in html and "250,000.00" in html  # the preview per payee


def test_the_draft_shows_the_expected_amount_and_refusals_on_submit(as_user):
    user = applicant()
    item = claim(user, "ZZ23-3", facts={"investment": "-5"})
    client = as_user(user)
    html = client.get(reverse("subsidies:claim_detail", args=[item.pk])).content.decode()
    assert "must not be negative" in html
    response = client.post(reverse("subsidies:claim_submit", args=[item.pk]), follow=True)
    assert "must not be negative" in response.content.decode()
    assert Claim.objects.get(pk=item.pk).state == Claim.State.DRAFT


def test_double_submit_through_the_page_is_a_message(as_user):
    user = applicant()
    item = claim(user, "ZZ23-3")
    client = as_user(user)
    client.post(reverse("subsidies:claim_submit", args=[item.pk]))
    response = client.post(reverse("subsidies:claim_submit", args=[item.pk]), follow=True)
    assert "cannot be done while the status" in response.content.decode()
    assert Claim.objects.get(pk=item.pk).version == item.version + 1


def test_evidence_is_checked_by_content(as_user):
    user = applicant()
    item = claim(user, "ZZ23-3", evidence=False)
    client = as_user(user)
    fake = SimpleUploadedFile("证书.pdf", b"MZ\x90\x00 not a pdf at all")
    response = client.post(reverse("subsidies:evidence_upload", args=[item.pk]), {"file": fake}, follow=True)
    assert "checked by its content" in response.content.decode()
    client.post(reverse("subsidies:evidence_upload", args=[item.pk]),
                {"file": SimpleUploadedFile("证书.pdf", PDF_BYTES), "description": "获奖证书"})
    stored = ClaimAttachment.objects.get()
    assert stored.content_type == "application/pdf" and stored.description == "获奖证书"
    download = client.get(reverse("subsidies:evidence_download", args=[item.pk, stored.pk]))
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["X-Content-Type-Options"] == "nosniff"


def test_evidence_cannot_change_after_submission(as_user):
    user = applicant()
    item = in_state(claim(user, "ZZ23-3", evidence=False), Claim.State.SUBMITTED)
    response = as_user(user).post(reverse("subsidies:evidence_upload", args=[item.pk]),
                                  {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)}, follow=True)
    assert "can no longer be changed" in response.content.decode()
    assert not ClaimAttachment.objects.exists()


def test_manager_decides_with_reasons_and_the_applicant_sees_it(as_user, client, django_capture_on_commit_callbacks):
    user = applicant()
    item = claim(user, "ZZ23-3", facts={"investment": "3000000"})
    as_user(user).post(reverse("subsidies:claim_submit", args=[item.pk]))
    manager = program_manager("ZZ23")
    as_user(manager)
    detail = client.get(reverse("subsidies:claim_detail", args=[item.pk])).content.decode()
    assert "300,000.00" in detail and 'data-testid="decision-form"' in detail
    response = client.post(reverse("subsidies:claim_decide", args=[item.pk]), {"decision": "return"}, follow=True)
    assert "Give the reason" in response.content.decode()
    assert Claim.objects.get(pk=item.pk).state == Claim.State.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subsidies:claim_decide", args=[item.pk]), {"decision": "approve"})
    assert response["Location"] == reverse("subsidies:claim_queue")
    assert Notification.objects.filter(recipient=user).exists()
    as_user(user)
    html = client.get(reverse("subsidies:claim_detail", args=[item.pk])).content.decode()
    assert "Approved amount" in html and "300,000.00" in html and 'data-testid="timeline"' in html
    listing = client.get(reverse("subsidies:claim_list")).content.decode()
    assert "300,000.00" in listing


def test_queue_shows_only_submitted_by_default(as_user):
    manager = program_manager("ZZ23")
    waiting = in_state(claim(code="ZZ23-3"), Claim.State.SUBMITTED)
    in_state(claim(code="ZZ23-3"), Claim.State.APPROVED)
    claim(code="ZZ23-3")  # a draft: never shown to the manager
    page = as_user(manager).get(reverse("subsidies:claim_queue")).context["page"]
    assert [c.pk for c in page] == [waiting.pk]


def test_rule_form_is_typed_prefilled_and_refuses_bad_values_on_the_field(as_user):
    client = as_user(program_manager("ZZ23"))
    url = reverse("subsidies:rule_version_new", args=["ZZ23-3"])
    form = client.get(url).context["form"]
    assert (form["param__rate"].value(), form["param__cap"].value()) == ("10", "100")  # 10 %, 100 万元
    base = {"document": "郑政办〔2026〕1号", "article": "五（三）", "title": "新版", "param__cap": "100",
            "payees": ["enterprise"], "cap_period": "year", "effective_from": "2026-01-01", "note": "新文件"}
    response = client.post(url, {**base, "param__rate": "150"})
    assert "100" in errors_of(response, "param__rate")
    response = client.post(url, {**base, "param__rate": "10"})
    assert response.status_code == 302
    row = PolicyRuleVersion.objects.filter(code="ZZ23-3", effective_from="2026-01-01").get()
    assert (row.params["rate"], row.params["cap"], row.state) == ("0.1", "1000000.00", "proposed")
    response = client.post(url, {**base, "param__rate": "10"})
    assert "ambiguous" in errors_of(response, "effective_from")


def test_new_hn23_rule_through_the_page(as_user):
    client = as_user(program_manager("HN23"))
    response = client.post(reverse("subsidies:rule_new", args=["HN23"]), {
        "code": "HN23-1", "document": "豫财科〔2026〕8号", "article": "第五条", "title": "认定奖励",
        "param__amount": "300", "payees": ["institute"], "cap_period": "once",
        "effective_from": "2026-03-01", "note": "资金管理办法印发",
    })
    assert response.status_code == 302
    row = PolicyRuleVersion.objects.get(code="HN23-1")
    assert (row.program.code, row.params, row.state) == ("HN23", {"amount": "3000000.00"}, "proposed")
    html = client.get(reverse("subsidies:rule_list")).content.decode()
    assert "HN23-1" in html and "认定奖励" in html

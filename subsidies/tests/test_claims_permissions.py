"""Who may open which page of the calculator, the rules and the claims: every view × every role,
with the exact status code.

    owner           applicant of the claimant organisation
    other_org       applicant of another organisation
    district        district bureau of the claimant's region
    manager         program manager of ZZ23 (the claims' and rules' program)
    other_manager   program manager of XX22 only
    expert, finance, anonymous

Codes: 200/403/404/405; LOGIN = redirect to the login page; MOVED = any other redirect. Every refused
request leaves the database exactly as it was. The calculator answers everyone, anonymous included.
"""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.audit.models import AuditEvent
from subsidies.models import Claim, ClaimAttachment, Entitlement, PolicyRuleVersion
from subsidies.services import claims as service
from subsidies.services.rules import VersionData, propose_version
from subsidies.views import calculator as calculator_views
from subsidies.views import claims as claim_views
from subsidies.views import rules as rule_views
from tests.factories import PDF_BYTES, UserFactory, applicant, district_user, program, program_manager
from tests.factories_subsidies_claims import claim, in_state
from tests.permission_matrix import LOGIN, MOVED, matrix_test, names_in

pytestmark = pytest.mark.django_db

ROLES = ("owner", "other_org", "district", "manager", "other_manager", "expert", "finance", "anonymous")
EVERYONE = (200,) * 8
MANAGER_LIST = (403, 403, 403, 200, 200, 403, 403, LOGIN)
MANAGER_ONLY = (404, 404, 404, 200, 404, 404, 404, LOGIN)
MANAGER_ONLY_POST = (404, 404, 404, MOVED, 404, 404, 404, LOGIN)
APPLICANTS = (200, 200, 403, 403, 403, 403, 403, LOGIN)
APPLICANTS_POST = (MOVED, MOVED, 403, 403, 403, 403, 403, LOGIN)
OWNER_ONLY = (200, 404, 404, 404, 404, 404, 404, LOGIN)
OWNER_ONLY_POST = (MOVED, 404, 404, 404, 404, 404, 404, LOGIN)
OWNER_AND_MANAGER = (200, 404, 404, 200, 404, 404, 404, LOGIN)
POST_ONLY = (405, 405, 405, 405, 405, 405, 405, LOGIN)

# fmt: off
MATRIX = [
    # (url name, method, object)                              owner  other  distr  mgr    o_mgr  expert fin    anon
    (("subsidies:calculator", "GET", None),                   EVERYONE),
    (("subsidies:rule_list", "GET", None),                    MANAGER_LIST),
    (("subsidies:rule_new", "GET", "program"),                MANAGER_ONLY),
    (("subsidies:rule_new", "POST", "program"),               MANAGER_ONLY_POST),
    (("subsidies:rule_version_new", "GET", "code"),           MANAGER_ONLY),
    (("subsidies:rule_version_new", "POST", "code"),          MANAGER_ONLY_POST),
    (("subsidies:rule_detail", "GET", "code"),                MANAGER_ONLY),
    (("subsidies:rule_version_decide", "GET", "proposal"),    POST_ONLY),
    (("subsidies:rule_version_decide", "POST", "proposal"),   MANAGER_ONLY_POST),
    (("subsidies:claim_list", "GET", None),                   APPLICANTS),
    (("subsidies:claim_new", "GET", None),                    APPLICANTS),
    (("subsidies:claim_new", "GET", "rule"),                  APPLICANTS),
    (("subsidies:claim_new", "POST", "rule"),                 APPLICANTS_POST),
    (("subsidies:claim_queue", "GET", None),                  MANAGER_LIST),
    (("subsidies:claim_detail", "GET", "draft"),              OWNER_ONLY),
    (("subsidies:claim_detail", "GET", "submitted"),          OWNER_AND_MANAGER),
    (("subsidies:claim_detail", "GET", "approved"),           OWNER_AND_MANAGER),
    (("subsidies:claim_edit", "GET", "draft"),                OWNER_ONLY),
    (("subsidies:claim_edit", "POST", "draft"),               OWNER_ONLY_POST),
    (("subsidies:claim_edit", "GET", "submitted"),            (MOVED, 404,   404,   403,   404,   404,   404,   LOGIN)),
    (("subsidies:claim_submit", "GET", "draft"),              POST_ONLY),
    (("subsidies:claim_submit", "POST", "draft"),             OWNER_ONLY_POST),
    (("subsidies:claim_submit", "POST", "submitted"),         (MOVED, 404,   404,   403,   404,   404,   404,   LOGIN)),
    (("subsidies:claim_withdraw", "POST", "submitted"),       (MOVED, 404,   404,   403,   404,   404,   404,   LOGIN)),
    (("subsidies:claim_decide", "GET", "submitted"),          POST_ONLY),
    (("subsidies:claim_decide", "POST", "submitted"),         (403,   404,   404,   MOVED, 404,   404,   404,   LOGIN)),
    (("subsidies:evidence_upload", "POST", "draft"),          OWNER_ONLY_POST),
    (("subsidies:evidence_download", "GET", "evidence"),      OWNER_AND_MANAGER),
    (("subsidies:evidence_delete", "POST", "draft_evidence"), OWNER_ONLY_POST),
]
# fmt: on


@pytest.fixture
def world():
    owner = applicant(username="owner")
    draft = claim(owner, "ZZ23-3")
    submitted = claim(owner, "ZZ23-3", subject="已提交")
    service.submit_claim(submitted, owner)
    with_evidence = in_state(claim(owner, "ZZ23-3", subject="有证据"), Claim.State.SUBMITTED)
    draft_with_evidence = claim(owner, "ZZ23-3", subject="草稿有证据")  # the factory adds one file
    evidence = ClaimAttachment(claim=with_evidence, original_name="b.pdf", content_type="application/pdf",
                               size=len(PDF_BYTES), sha256="0" * 64, uploaded_by=owner)
    from django.core.files.base import ContentFile

    evidence.file.save("b.pdf", ContentFile(PDF_BYTES), save=False)
    evidence.save()
    return {
        "owner": owner, "manager": program_manager("ZZ23"), "draft": draft,
        "submitted": Claim.objects.get(pk=submitted.pk),
        "approved": in_state(claim(owner, "ZZ23-3", subject="已批准"), Claim.State.APPROVED),
        # a 5 % ZZ23-3 version another ZZ23 manager proposed: the matrix's manager may approve it
        "proposal": propose_version(program_manager("ZZ23"), program("ZZ23"), VersionData(
            code="ZZ23-3", document="郑政办〔2026〕1号", article="五（三）", title="新版", rule_type="percentage",
            params={"fact": "investment", "rate": "0.05"}, payees=["enterprise"], cap_period="year",
            effective_from=datetime.date(2026, 6, 1), note="新文件")),
        "evidence": (with_evidence, evidence), "draft_evidence": (draft_with_evidence,
                                                                  draft_with_evidence.attachments.get()),
    }


def make_user(role, world):
    return {
        "owner": lambda: world["owner"],
        "other_org": lambda: applicant(),
        "district": lambda: district_user(["410105"], "industry"),
        "manager": lambda: world["manager"],
        "other_manager": lambda: program_manager("XX22"),
        "expert": lambda: UserFactory(role="expert"),
        "finance": lambda: UserFactory(role="finance", department="finance"),
        "anonymous": lambda: None,
    }[role]()


def url_for(name, target, world):
    if target is None:
        return reverse(name)
    if target == "program":
        return reverse(name, args=["ZZ23"])
    if target == "code":
        return reverse(name, args=["ZZ23-3"])
    if target == "rule":
        return reverse(name) + "?rule=ZZ23-3"
    if target in ("evidence", "draft_evidence"):
        item, attachment = world[target]
        return reverse(name, args=[item.pk, attachment.pk])
    return reverse(name, args=[world[target].pk])


CLAIM_POST = {"event_date": "2024-05-10", "subject": "新事项", "fact_investment": "1000000"}
RULE_POST = {
    "document": "郑政办〔2026〕1号", "article": "五（三）", "title": "新版",
    "param__rate": "5", "param__minimum_inclusive": "on", "payees": ["enterprise"], "cap_period": "year",
    "effective_from": "2026-01-01", "note": "新文件",
}


def post_data(name, world):
    return {
        "subsidies:rule_new": lambda: {**RULE_POST, "code": "ZZ23-99", "param__amount": "10", "cap_period": "once"},
        "subsidies:rule_version_new": lambda: RULE_POST,
        "subsidies:rule_version_decide": lambda: {"action": "approve", "reason": "核对一致"},
        "subsidies:claim_new": lambda: CLAIM_POST,
        "subsidies:claim_edit": lambda: {**CLAIM_POST, "seen_version": world["draft"].version},
        "subsidies:claim_submit": dict,
        "subsidies:claim_withdraw": dict,
        "subsidies:claim_decide": lambda: {"decision": "approve"},
        "subsidies:evidence_upload": lambda: {"file": SimpleUploadedFile("证明.pdf", PDF_BYTES)},
        "subsidies:evidence_delete": dict,
    }[name]()


def snapshot():
    return {
        "claims": list(Claim.objects.order_by("pk").values_list("pk", "state", "version", "subject")),
        "rules": list(PolicyRuleVersion.objects.order_by("pk").values_list("pk", "state", "version")),
        "evidence": ClaimAttachment.objects.count(),
        "entitlements": Entitlement.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


test_permission_matrix = matrix_test(
    MATRIX, ROLES, make_user=make_user, url_for=url_for, data=lambda name, world, _target: post_data(name, world), snapshot=snapshot,
)


def test_every_page_has_a_row_in_the_matrix():
    in_matrix = names_in(MATRIX)
    ours = {
        f"subsidies:{pattern.name}"
        for module in (calculator_views, rule_views, claim_views) for pattern in module.urlpatterns
    }
    assert ours == in_matrix


def test_the_successful_posts_did_their_work(client, world):
    client.force_login(world["manager"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(url_for("subsidies:claim_decide", "submitted", world), {"decision": "approve"})
    assert Claim.objects.get(pk=world["submitted"].pk).state == Claim.State.APPROVED
    assert Entitlement.objects.filter(claim=world["submitted"]).count() == 1
    client.post(url_for("subsidies:rule_version_new", "code", world), RULE_POST)
    assert PolicyRuleVersion.objects.filter(code="ZZ23-3", state="proposed").count() == 2
    client.post(url_for("subsidies:rule_version_decide", "proposal", world), {"action": "approve"})
    assert PolicyRuleVersion.objects.get(pk=world["proposal"].pk).decided_by == world["manager"]
    client.force_login(world["owner"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(url_for("subsidies:claim_submit", "draft", world))
    assert Claim.objects.get(pk=world["draft"].pk).state == Claim.State.SUBMITTED
    response = client.post(url_for("subsidies:claim_new", "rule", world), CLAIM_POST)
    made = Claim.objects.filter(subject="新事项").get()
    assert response["Location"] == reverse("subsidies:claim_detail", args=[made.pk])
    assert made.facts == {"investment": "1000000"} and made.organization == world["owner"].organization

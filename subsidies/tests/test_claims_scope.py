"""Program scope and evidence of a claim (POLICY.md §6 “Program scope of a claim”; subsidies.scope):
claim → submission → approval → entitlement, refused with the reason where the document does not
cover the unit or the claim has no evidence."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from institutes.models import Institute
from portal.workflow import TransitionRefused
from subsidies.models import Claim, Entitlement
from subsidies.services import claims as service
from tests.factories import applicant, program_manager
from tests.factories_subsidies_claims import add_file, applicant_for, claim, covered_institute, in_state, unit_in

pytestmark = pytest.mark.django_db
DAY = datetime.date(2024, 3, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager():
    return program_manager("ZZ23", "XX22", "ZZ17", "SJZ22")


def test_a_zhengzhou_unit_cannot_claim_xx22_at_submission_or_approval(manager):
    """XX22: “本意见中产研院范围为省政府认定的产业研究院” — Xinxiang's provincially recognised
    institutes and “产研院将科技成果产业化所新设立的衍生企业” only; a Zhengzhou unit was paid."""
    zhengzhou = applicant()  # 金水区, 郑州
    item = claim(zhengzhou, "XX22-3", facts={"board": "neeq"}, event_date=DAY)
    with pytest.raises(TransitionRefused, match="not located in 新乡市"):
        service.submit_claim(item, zhengzhou)
    # submitted before the check existed: approval refuses it too, and nothing is owed
    in_state(item, Claim.State.SUBMITTED)
    with pytest.raises(TransitionRefused, match="Xinxiang"):
        service.approve_claim(item, manager)
    assert not Entitlement.objects.filter(claim=item).exists()


def test_a_xinxiang_spin_off_is_paid_with_the_institutes_share(manager):
    """XX22 四（三）: “挂牌交易的除给予 100 万元奖励外，再对相应产研院给予 25 万元鼓励性奖励”."""
    spin_off = applicant_for("XX22-3")
    parent = covered_institute(unit_in("410702"), "XX22")
    item = claim(spin_off, "XX22-3", facts={"board": "neeq"}, event_date=DAY, institute=parent,
                 payees={"institute": parent.lead_unit})
    service.submit_claim(item, spin_off)
    item.refresh_from_db()
    service.approve_claim(item, manager)
    owed = {(e.payee_id, e.payee_role): e.amount for e in Entitlement.objects.filter(claim=item)}
    assert owed == {(spin_off.organization_id, "enterprise"): Decimal("1000000.00"),
                    (parent.lead_unit_id, "institute"): Decimal("250000.00")}


def test_the_lead_unit_is_not_its_own_spin_off():
    """XX22 四（三）: the award is for “新设立的衍生企业”, the institute's share for “相应产研院”."""
    lead = applicant_for("XX22-3")
    own = covered_institute(lead.organization, "XX22")
    item = claim(lead, "XX22-3", facts={"board": "neeq"}, event_date=DAY, institute=own, payees={})
    with pytest.raises(TransitionRefused, match="paid to a spin-off enterprise"):
        service.submit_claim(item, lead)


def test_an_xx22_institute_not_registered_from_the_province_is_out_of_scope():
    """XX22: “产研院范围为省政府认定的产业研究院”."""
    lead = applicant_for("XX22-5A")
    unit = covered_institute(lead.organization, "XX22", registered_from_province=False)
    item = claim(lead, "XX22-5A", facts={"level": "first"}, event_date=DAY, institute=unit)
    with pytest.raises(TransitionRefused, match="not registered as a provincially recognised institute"):
        service.submit_claim(item, lead)


def test_zz23_institute_awards_need_the_institute_itself(manager):
    """ZZ23 五（九）: “鼓励产业研究院参与制订、修订各类标准 … 为主要起草单位的 … 一次性奖励”."""
    spin_off = applicant()
    parent = covered_institute(unit_in("410103"), "ZZ23")
    item = claim(spin_off, "ZZ23-9A", facts={"level": "national"}, institute=parent, scoped=False)
    with pytest.raises(TransitionRefused, match="not the lead unit"):
        service.submit_claim(item, spin_off)
    own = claim(parent.lead_unit and applicant(parent.lead_unit), "ZZ23-9A", facts={"level": "national"},
                institute=parent)
    service.submit_claim(own, own.created_by)
    own.refresh_from_db()
    service.approve_claim(own, manager)
    assert Entitlement.objects.get(claim=own).amount == Decimal("1000000.00")


def test_a_revoked_institute_is_out_of_scope_after_its_revocation_only():
    """ZZ23 第十四条: “取消其资格” — an event after the revocation date is not covered."""
    user = applicant()
    unit = covered_institute(user.organization, "ZZ23")
    Institute.objects.filter(pk=unit.pk).update(state=Institute.State.REVOKED, revoked_on=datetime.date(2024, 6, 1))
    unit.refresh_from_db()
    after = claim(user, "ZZ23-9A", facts={"level": "national"}, institute=unit, event_date=datetime.date(2024, 7, 1))
    from subsidies.scope import claim_blockers

    assert any("was revoked on 2024-06-01" in b.message for b in claim_blockers(after))
    before = claim(user, "ZZ23-9A", facts={"level": "industry"}, institute=unit, subject="HG/T 2",
                   event_date=datetime.date(2024, 5, 1))
    assert not claim_blockers(before)


def test_a_claim_without_evidence_is_refused_and_the_page_says_what_is_needed(as_user):
    """ZZ17 三（二）5: “对引进先进技术成果的企业，市财政采取后补助的方式，按技术交易额的20%给予奖补” —
    the contract and its payment are the evidence."""
    user = applicant()
    item = claim(user, "ZZ17-5", facts={"transaction_amount": "1000000"}, evidence=False)
    with pytest.raises(TransitionRefused, match="no evidence.*Technology contract"):
        service.submit_claim(item, user)
    item.refresh_from_db()
    assert item.state == Claim.State.DRAFT
    client = as_user(user)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("subsidies:claim_detail", args=[item.pk])).content.decode()
    assert 'data-testid="blocker-add-evidence"' in html and "Payment vouchers" in html
    add_file(item)
    assert service.submit_claim(item, user)["payouts"][0]["amount"] == "200000.00"


def test_the_start_page_offers_only_covered_rules_and_says_why_not(as_user):
    client = as_user(applicant())
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("subsidies:claim_new")).content.decode()
    assert 'data-testid="claim-rule-ZZ23-3"' in html and 'data-testid="claim-rule-ZZ17-5"' in html
    assert 'data-testid="claim-rule-XX22-3"' not in html and 'data-testid="not-offered-XX22-3"' in html
    assert "仅适用于新乡市的省级产业研究院及其衍生企业" in html
    assert 'data-testid="not-offered-ZZ23-9A"' in html  # no institute of its own
    assert 'data-testid="not-offered-SJZ22-6"' in html
    response = client.get(reverse("subsidies:claim_new"), {"rule": "XX22-3"})
    assert response.status_code == 302 and response["Location"] == reverse("subsidies:claim_new")


# Logged-in page (2: user, groups; session and unread count cached) + permission-free role check
# + rule codes + the unit with its region + its institutes + the versions of the offered codes = 6.
START_QUERIES = 6


def test_the_start_page_costs_the_same_with_more_institutes(as_user, django_assert_num_queries):
    user = applicant()
    client = as_user(user)
    url = reverse("subsidies:claim_new")
    covered_institute(user.organization, "ZZ23")
    client.get(url)
    with django_assert_num_queries(START_QUERIES):
        assert client.get(url).status_code == 200
    for field in ("new-materials", "biomedicine", "automotive"):
        Institute.objects.create(program=covered_institute(user.organization, "ZZ23").program,
                                 lead_unit=user.organization, name=f"研究院{field}",
                                 industry_field_id=Institute.objects.first().industry_field_id,
                                 recognized_on=datetime.date(2022, 1, 1))
    with django_assert_num_queries(START_QUERIES):
        assert client.get(url).status_code == 200

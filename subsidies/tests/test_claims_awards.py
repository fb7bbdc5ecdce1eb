"""Once-only and total (合计) awards belong to the payee, the rule and its level — never to the
free-text subject (POLICY.md §6; subsidies.awards). Each scenario drives claim → approval →
entitlement (→ payout batch) and asserts the amounts."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from portal.audit.models import AuditEvent
from portal.workflow import TransitionRefused
from subsidies.awards import PATENT, STANDARD
from subsidies.models import Claim, Entitlement, PolicyRuleVersion
from subsidies.services import claims as service
from subsidies.services import entitlements as entitlement_service
from subsidies.services.payouts import build_batch
from subsidies.services.rules import VersionData
from tests.factories import UserFactory, applicant, program_manager
from tests.factories_rules import approved_version
from tests.factories_subsidies_claims import claim, covered_institute, unit_in

pytestmark = pytest.mark.django_db
LISTED = datetime.date(2024, 6, 3)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager():
    return program_manager("ZZ23", "XX22", "ZZ17", "SJZ22", "HN23")


def approve(item, manager):
    service.submit_claim(item, item.created_by)
    item.refresh_from_db()
    service.approve_claim(item, manager, comment="符合条件")
    item.refresh_from_db()
    return item


def paid_to(organization) -> Decimal:
    return sum((e.amount for e in Entitlement.objects.live().filter(payee=organization)), Decimal("0.00"))


def listing(user, board, subject, **facts):
    return claim(user, "ZZ23-4", facts={"board": board, **facts}, event_date=LISTED, subject=subject)


def test_star_listing_award_is_paid_once_whatever_the_description(manager):
    """ZZ23 五（四）"对在科创板上市的企业合计给予1000万元奖励": a second claim with another subject is
    the same award and is refused, naming the first claim."""
    user = applicant()
    first = approve(listing(user, "star", "科创板上市"), manager)
    again = listing(user, "star", "首次公开发行股票并在科创板上市（补充）")
    with pytest.raises(TransitionRefused, match=f"already claimed .*{first.reference}"):
        service.submit_claim(again, user)
    assert paid_to(user.organization) == Decimal("10000000.00")


def test_no_domestic_or_overseas_listing_award_on_top_of_the_star_award(manager):
    """ZZ23 五（四）"科创板…合计给予1000万元奖励，其他境内上市企业合计给予800万元奖励…境外主流资本市场上市
    …一次性800万元": one listing award per enterprise, whose total is never exceeded across boards."""
    user = applicant()
    approve(listing(user, "star", "科创板上市"), manager)
    for board in ("domestic", "overseas"):
        with pytest.raises(TransitionRefused, match="already claimed"):
            service.submit_claim(listing(user, board, f"{board} 上市"), user)
    assert paid_to(user.organization) == Decimal("10000000.00")


def test_neeq_listing_is_its_own_award(manager):
    """ZZ23 五（四）: the 新三板 award (100万, 千企展翼 conditions) is another level than the main listing."""
    user = applicant()
    approve(listing(user, "neeq", "新三板挂牌", qianqi=True), manager)
    approve(listing(user, "star", "科创板上市"), manager)
    assert paid_to(user.organization) == Decimal("11000000.00")


@pytest.fixture
def staged_listing(manager):
    """A version of ZZ23-4 whose STAR and domestic awards are paid in three stages, as a manager
    defines them (五（四）"奖励按照有关规定分阶段实施"), approved by a second manager of ZZ23."""
    current = PolicyRuleVersion.objects.get(code="ZZ23-4")
    stages = {
        board: {
            "filing": {"label": "辅导备案", "amount": str(total * Decimal("0.3"))},
            "accepted": {"label": "申报受理", "amount": str(total * Decimal("0.3"))},
            "listed": {"label": "上市", "amount": str(total * Decimal("0.4"))},
        }
        for board, total in (("star", Decimal(10_000_000)), ("domestic", Decimal(8_000_000)))
    }
    return approved_version(manager, current.program, VersionData(
        code="ZZ23-4", document=current.document, article=current.article, title=current.title,
        rule_type=current.rule_type, params={**current.params, "stages": stages}, payees=current.payees,
        cap_period=current.cap_period, effective_from=datetime.date(2024, 1, 1), note="分阶段奖励",
    ))


def test_listing_award_paid_in_stages_never_exceeds_its_total(manager, staged_listing):
    """ZZ23 五（四）"合计给予1000万元奖励…奖励按照有关规定分阶段实施": each stage is one payment within the
    total; a stage is paid once; a domestic stage after STAR stages counts against the same total."""
    user = applicant()
    approve(listing(user, "star", "辅导备案", stage="filing"), manager)
    approve(listing(user, "star", "申报受理", stage="accepted"), manager)
    with pytest.raises(TransitionRefused, match="already claimed"):
        service.submit_claim(listing(user, "star", "辅导备案（重报）", stage="filing"), user)
    # switching board does not open a new total: 600万 received, the domestic total is 800万
    domestic = approve(listing(user, "domestic", "主板上市", stage="listed"), manager)
    assert domestic.quoted_amount == Decimal("2000000.00")  # cut to what is left of the 800万 total
    assert paid_to(user.organization) == Decimal("8000000.00")
    with pytest.raises(TransitionRefused):
        service.submit_claim(listing(user, "star", "科创板上市", stage="listed"), user)
    assert paid_to(user.organization) == Decimal("8000000.00")


def test_stages_adding_up_to_more_than_the_total_are_refused(staged_listing):
    from subsidies.calculator import RuleDefinitionError

    staged_listing.params["stages"]["star"]["listed"]["amount"] = "9000000"
    with pytest.raises(RuleDefinitionError, match="add up to"):
        staged_listing.as_rule_version()


def test_spin_off_listing_pays_each_spin_off_once_and_its_institute_per_spin_off(manager):
    """XX22 四（三）"对于在全国中小企业股份转让系统挂牌交易的除给予100万元奖励外，再对相应产研院给予25万元
    鼓励性奖励": once per spin-off and board; the institute's 25万 is per spin-off."""
    xinxiang = "410702"
    parent = covered_institute(unit_in(xinxiang), "XX22", recognized_on=datetime.date(2022, 6, 1))
    institute_org = parent.lead_unit
    first, second = applicant(unit_in(xinxiang)), applicant(unit_in(xinxiang))
    day = datetime.date(2024, 3, 1)

    def listing_claim(user, subject):
        return claim(user, "XX22-3", facts={"board": "neeq"}, event_date=day, subject=subject, institute=parent,
                     payees={"institute": institute_org})

    approve(listing_claim(first, "挂牌"), manager)
    with pytest.raises(TransitionRefused, match="already claimed"):
        service.submit_claim(listing_claim(first, "新三板挂牌公告"), first)
    approve(listing_claim(second, "挂牌"), manager)
    assert paid_to(first.organization) == Decimal("1000000.00")
    assert paid_to(second.organization) == Decimal("1000000.00")
    assert paid_to(institute_org) == Decimal("500000.00")


def test_new_agency_award_is_paid_once_per_agency(manager):
    """ZZ17 三（三）10 "对新认定的市级技术转移服务机构给予30万元支持": once, whatever the description."""
    agency = applicant()
    approve(claim(agency, "ZZ17-10A", facts={}, subject="认定为市级技术转移服务机构"), manager)
    with pytest.raises(TransitionRefused, match="already claimed"):
        service.submit_claim(claim(agency, "ZZ17-10A", facts={}, subject="2024年度新认定"), agency)
    assert paid_to(agency.organization) == Decimal("300000.00")


def test_patent_award_is_once_per_patent_number_however_it_is_written(manager):
    """ZZ23 五（八）"获得河南省专利奖特等奖、一等奖和二等奖的，分别给予专利权人30万元…": once per patent;
    spaces, the ZL prefix and full-width digits do not make another patent."""
    user = applicant()
    approve(claim(user, "ZZ23-8B", facts={"level": "first"}, subject="一种减速器",
                  award_identifier="ZL201810123456.7"), manager)
    written_again = claim(user, "ZZ23-8B", facts={"level": "first"}, subject="减速器专利（改名）",
                          award_identifier="ｚｌ 2018 1012 3456.7")
    with pytest.raises(TransitionRefused, match="already claimed"):
        service.submit_claim(written_again, user)
    approve(claim(user, "ZZ23-8B", facts={"level": "first"}, subject="另一项专利",
                  award_identifier="ZL201910654321.X"), manager)
    assert paid_to(user.organization) == Decimal("400000.00")


@pytest.mark.parametrize(("identifier", "value", "valid"), [
    (PATENT, "ZL201810123456.7", True), (PATENT, "201810123456X", True), (PATENT, "一种减速器", False),
    (STANDARD, "GB/T 12345-2024", True), (STANDARD, "ISO 9001:2015", True), (STANDARD, "国家标准", False),
])
def test_identifiers_are_checked(identifier, value, valid):
    assert (identifier.error(value) is None) is valid


def test_a_claim_for_a_once_per_thing_award_needs_its_identifier():
    user = applicant()
    item = claim(user, "ZZ23-9A", facts={"level": "national"}, subject="某国家标准", award_identifier="")
    with pytest.raises(TransitionRefused, match="standard number"):
        service.submit_claim(item, user)


def test_claim_page_shows_what_the_award_already_paid(client, manager, staged_listing):
    user = applicant()
    approve(listing(user, "star", "辅导备案", stage="filing"), manager)
    second = listing(user, "star", "申报受理", stage="accepted")
    client.force_login(user)
    page = client.get(reverse("subsidies:claim_detail", args=[second.pk])).content.decode()
    assert 'data-testid="received-for-award"' in page
    assert "3,000,000.00" in page


def test_approval_records_the_entitlement_with_its_approver_and_amount(manager):
    """Every money change is an audit event with the person who caused it (issue 9)."""
    user = applicant()
    item = approve(claim(user, "ZZ23-3", facts={"investment": "8000000"}), manager)
    entitlement = Entitlement.objects.get(claim=item)
    event = AuditEvent.objects.get(action="entitlement_created", object_id=entitlement.pk)
    assert event.actor == manager
    assert event.data["new"] == "800000.00" and event.data["claim"] == item.reference


def test_listing_award_path_to_the_payout_batch(manager):
    """The whole path: claim → entitlement → approved by finance → batch, the amount unchanged."""
    user = applicant()
    item = approve(listing(user, "star", "科创板上市"), manager)
    finance = UserFactory(role="finance", region_codes=["410100"])
    entitlement = Entitlement.objects.get(claim=item)
    entitlement_service.approve(entitlement, finance)
    batch = build_batch(finance, Entitlement.objects.filter(pk=entitlement.pk))
    assert batch.total == Decimal("10000000.00")
    assert Claim.objects.get(pk=item.pk).award_key.startswith("ZZ23-4|family=listing")

"""Rule versions with a second pair of eyes (issue 9): a proposal quotes nothing, no claim and no
yearly entitlement until a second program manager approves it; the proposer cannot approve; a
retirement (with the version's last day) is proposed and confirmed by two managers; every
parameter is audited old → new; rates, amounts, years and the document's window are bounded; bad
input changes nothing. ZZ23 五（三）: “按照当年实际投资额……的 10％给予股权融资补助，单个企业本项年度
补助金额最高 100万元” — the catalog's version pays 800,000 on 8,000,000; the proposal below pays 5 %.

Today in these tests is the real date: retirement last days are taken relative to it."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from portal.audit.models import AuditEvent
from portal.workflow import TransitionRefused
from subsidies.calculator import quote
from subsidies.models import Entitlement, PolicyRuleVersion
from subsidies.selectors.rules import awaiting_my_decision, rule_history, version_row_for, versions_in_force
from subsidies.services import claims as claim_service
from subsidies.services import entitlements as entitlement_service
from subsidies.services.rules import (
    VersionData, approve_version, confirm_retirement, keep_version, propose_retirement, propose_version,
    reject_version, withdraw_version,
)
from tests.factories import applicant, program, program_manager
from tests.factories_institutes_annual import recognised
from tests.factories_subsidies_claims import claim

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def zz23_3(**changes) -> VersionData:
    values = dict(
        code="ZZ23-3", document="郑政办〔2026〕1号", article="五（三）", title="股权融资补贴（新）",
        rule_type="percentage", params={"fact": "investment", "rate": "0.05", "cap": "2000000"},
        payees=["enterprise"], cap_period="year", effective_from=D(2026, 1, 1), note="新文件发布",
    )
    values.update(changes)
    return VersionData(**values)


def pays(day="2026-03-01", investment="8000000"):
    """What the calculator's engine pays for ZZ23-3 on `day` with the versions that quote."""
    answer = quote({"rule": "ZZ23-3", "date": day, "facts": {"investment": investment}}, versions_in_force())
    return answer["payouts"][0]["amount"]


def test_a_proposal_changes_no_quote_and_no_claim_until_a_second_manager_approves_it():
    """ZZ23 五（三）“的 10％给予股权融资补助”: a 5 % proposal is a draft — quotes and claims stay at 10 %;
    only a second manager's approval makes it quote."""
    proposer, second, user = program_manager("ZZ23"), program_manager("ZZ23"), applicant()
    row = propose_version(proposer, program("ZZ23"), zz23_3())
    assert row.state == "proposed" and pays() == "800000.00"
    assert version_row_for("ZZ23-3", D(2026, 3, 1)).effective_from != D(2026, 1, 1)
    before = claim(user, "ZZ23-3", facts={"investment": "8000000"}, event_date=D(2026, 3, 1), subject="甲")
    assert claim_service.submit_claim(before, user)["payouts"][0]["amount"] == "800000.00"

    approve_version(row, second, reason="与文件核对一致")
    row.refresh_from_db()
    assert (row.state, row.decided_by, row.decision_reason) == ("approved", second, "与文件核对一致")
    assert pays() == "400000.00"
    after = claim(user, "ZZ23-3", facts={"investment": "8000000"}, event_date=D(2026, 3, 1), subject="乙")
    assert claim_service.submit_claim(after, user)["payouts"][0]["amount"] == "400000.00"


def page_pays(client, day="2026-03-01"):
    """What the public calculator page shows for ZZ23-3 on `day` (8,000,000 invested)."""
    response = client.get(reverse("subsidies:calculator"), {
        "calculate": "1", "rule": "ZZ23-3", "date": day, "fact_investment": "8000000"})
    return response.context["answer"]["payouts"][0]["amount"]


def test_a_proposal_does_not_change_the_calculator_page_until_approved(client):
    """ZZ23 五（三）“的 10％给予股权融资补助”: a proposed 5 % version leaves the page at 10 %; approved by a
    second manager, the page quotes 5 % for events from its start."""
    row = propose_version(program_manager("ZZ23"), program("ZZ23"), zz23_3())
    assert page_pays(client) == "800000.00"
    approve_version(row, program_manager("ZZ23"))
    assert page_pays(client) == "400000.00" and page_pays(client, "2025-12-31") == "800000.00"


def test_a_proposal_does_not_change_subsidy_quote_until_approved(tmp_path):
    """ZZ23 五（三）“的 10％给予股权融资补助”: `manage.py subsidy_quote` keeps quoting 10 % while a 5 %
    version is only proposed, and quotes 5 % once a second manager approved it."""
    import io
    import json

    from django.core.management import call_command

    request = tmp_path / "quote.json"
    request.write_text(json.dumps({"rule": "ZZ23-3", "date": "2026-03-01", "facts": {"investment": "8000000"}}))

    def command_pays():
        out = io.StringIO()
        call_command("subsidy_quote", str(request), stdout=out)
        return json.loads(out.getvalue())["payouts"][0]["amount"]

    row = propose_version(program_manager("ZZ23"), program("ZZ23"), zz23_3())
    assert command_pays() == "800000.00"
    approve_version(row, program_manager("ZZ23"))
    assert command_pays() == "400000.00"


def test_a_proposed_new_rule_cannot_be_claimed_until_approved():
    manager = program_manager("HN23")
    row = propose_version(manager, program("HN23"), VersionData(
        code="HN23-1", document="豫财科〔2026〕8号", article="第五条", title="认定奖励", rule_type="fixed",
        params={"amount": "3000000"}, payees=["institute"], cap_period="once", effective_from=D(2026, 3, 1),
        note="资金管理办法印发"))
    with pytest.raises(TransitionRefused):
        claim_service.claimable_version("HN23-1")
    approve_version(row, program_manager("HN23"))
    assert claim_service.claimable_version("HN23-1").pk == row.pk


def test_a_proposal_changes_no_yearly_entitlement_until_approved():
    """XX22 四（一）“财政每年一次性给予 500 万元的创建经费补助，连续支持 3 年”: a proposed 600万 version changes
    no yearly entitlement until approved."""
    institute = recognised(code="XX22", recognized_on=D(2022, 6, 1))
    row = propose_version(program_manager("XX22"), program("XX22"), VersionData(
        code="XX22-1", document="新政办〔2022〕9号", article="四（一）", title="创建补贴（调整）",
        rule_type="fixed_per_year", params={"amount": "6000000", "years": 3}, payees=["institute"],
        cap_period="year", effective_from=D(2024, 1, 1), effective_to=D(2024, 12, 31), note="调整"))
    entitlement_service.compute_yearly(program("XX22"), 2024)
    assert Entitlement.objects.get(institute=institute, rule_code="XX22-1").amount == Decimal("5000000.00")
    Entitlement.objects.filter(institute=institute).delete()
    approve_version(row, program_manager("XX22"))
    entitlement_service.compute_yearly(program("XX22"), 2024)
    made = Entitlement.objects.get(institute=institute, rule_code="XX22-1")
    assert made.amount == Decimal("6000000.00") and made.rule_version_id == row.pk


def test_the_proposer_cannot_approve_their_own_version_and_is_told_why():
    """Four-eyes on ZZ23 五（三）“的 10％给予股权融资补助”: the manager who proposed 5 % cannot approve it;
    the refusal says why and the rule keeps quoting 10 %."""
    proposer = program_manager("ZZ23")
    row = propose_version(proposer, program("ZZ23"), zz23_3())
    with pytest.raises(TransitionRefused) as refused:
        approve_version(row, proposer)
    assert "other than the one who proposed it" in refused.value.message
    row.refresh_from_db()
    assert row.state == "proposed" and pays() == "800000.00"


def test_a_manager_of_another_program_cannot_decide():
    """Only managers of ZZ23 decide on a ZZ23 version; an XX22 manager is refused."""
    from django.core.exceptions import PermissionDenied

    row = propose_version(program_manager("ZZ23"), program("ZZ23"), zz23_3())
    with pytest.raises(PermissionDenied):
        approve_version(row, program_manager("XX22"))


def test_rejection_needs_a_reason_and_frees_the_start_date_withdrawal_is_the_proposers():
    proposer, second = program_manager("ZZ23"), program_manager("ZZ23")
    row = propose_version(proposer, program("ZZ23"), zz23_3())
    with pytest.raises(TransitionRefused):
        reject_version(row, second, reason=" ")
    with pytest.raises(TransitionRefused):
        withdraw_version(row, second)  # only the proposer withdraws
    reject_version(row, second, reason="比例与文件不符")
    row.refresh_from_db()
    assert (row.state, row.decision_reason) == ("rejected", "比例与文件不符")
    again = propose_version(proposer, program("ZZ23"), zz23_3(params={"fact": "investment", "rate": "0.08"}))
    withdraw_version(again, proposer, reason="撤回")
    assert PolicyRuleVersion.objects.get(pk=again.pk).state == "withdrawn" and pays() == "800000.00"
    actions = list(AuditEvent.objects.for_object(row).values_list("action", "actor", "comment"))
    assert actions[-1] == ("reject", second.pk, "比例与文件不符")


def approved_zz23_3():
    first, second = program_manager("ZZ23"), program_manager("ZZ23")
    row = propose_version(first, program("ZZ23"), zz23_3())
    approve_version(row, second)
    row.refresh_from_db()
    return row, first, second


def test_retirement_is_proposed_by_one_manager_and_confirmed_by_another():
    """“退出或被替代”: a retired version stops quoting after its last day; events up to it keep it,
    later ones fall to the version before it (ZZ23 五（三）“10％”)."""
    row, first, second = approved_zz23_3()
    today = timezone.localdate()
    with pytest.raises(TransitionRefused):
        propose_retirement(row, first, reason="", last_day=today)
    propose_retirement(row, first, reason="文件废止", last_day=today)
    after = (today + datetime.timedelta(days=1)).isoformat()
    assert pays(after) == "400000.00"  # still in force, without an end, until confirmed
    with pytest.raises(TransitionRefused) as refused:
        confirm_retirement(row, first)
    assert "other than the one who proposed it" in refused.value.message
    confirm_retirement(row, second, reason="核实文件已废止")
    row.refresh_from_db()
    assert (row.state, row.retired_by, row.retirement_requested_by) == ("retired", second, first)
    assert row.effective_to == today
    assert pays(today.isoformat()) == "400000.00" and pays(after) == "800000.00"
    assert version_row_for("ZZ23-3", today).pk == row.pk
    events = list(AuditEvent.objects.for_object(row).values_list("action", "actor", "comment"))
    assert events[-2:] == [("propose_retirement", first.pk, "文件废止"), ("confirm_retirement", second.pk, "核实文件已废止")]
    confirmed = AuditEvent.objects.for_object(row).get(action="confirm_retirement")
    assert confirmed.data["changes"] == [{"name": "effective_to", "old": None, "new": today.isoformat()}]
    assert AuditEvent.objects.for_object(row).get(action="propose_retirement").data["last_day"] == today.isoformat()


@pytest.mark.parametrize(("last_day", "message"), [
    (None, "last day"),
    (-1, "cannot be before today"),
    ("before_start", "cannot be before it"),
])
def test_a_retirement_cannot_end_the_version_in_the_past(last_day, message):
    """A retirement never changes the quote of an event already past: its last day is today or later."""
    row, first, _second = approved_zz23_3()
    today = timezone.localdate()
    if last_day == "before_start":
        later = propose_version(first, program("ZZ23"), zz23_3(effective_from=today + datetime.timedelta(days=30)))
        approve_version(later, program_manager("ZZ23"))
        row, last_day = later, today + datetime.timedelta(days=29)
    elif last_day is not None:
        last_day = today + datetime.timedelta(days=last_day)
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionRefused) as refused:
        propose_retirement(row, first, reason="文件废止", last_day=last_day)
    assert message in refused.value.message
    row.refresh_from_db()
    assert row.state == "approved" and row.retirement_last_day is None and AuditEvent.objects.count() == events


def test_a_retirement_cannot_shift_an_existing_end_later():
    row, first, _second = approved_zz23_3()
    today = timezone.localdate()
    ending = propose_version(first, program("ZZ23"), zz23_3(
        effective_from=today + datetime.timedelta(days=10), effective_to=today + datetime.timedelta(days=20)))
    approve_version(ending, program_manager("ZZ23"))
    with pytest.raises(TransitionRefused) as refused:
        propose_retirement(ending, first, reason="延期", last_day=today + datetime.timedelta(days=40))
    assert "can only end it earlier" in refused.value.message


def test_a_retirement_whose_last_day_passed_cannot_be_confirmed():
    row, first, second = approved_zz23_3()
    propose_retirement(row, first, reason="文件废止", last_day=timezone.localdate())
    PolicyRuleVersion.objects.filter(pk=row.pk).update(retirement_last_day=D(2026, 1, 31))  # the day went by
    row.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        confirm_retirement(row, second)
    assert "has passed" in refused.value.message
    row.refresh_from_db()
    assert row.state == "retiring" and row.effective_to is None


def test_a_pending_retirement_can_be_turned_down_and_the_version_stays():
    row, first, second = approved_zz23_3()
    propose_retirement(row, first, reason="文件废止", last_day=timezone.localdate())
    keep_version(row, second, reason="文件仍有效")
    row.refresh_from_db()
    assert (row.state, row.retirement_requested_by, row.retirement_last_day) == ("approved", None, None)
    assert row.effective_to is None and pays("2030-01-01") == "400000.00"


def test_a_later_approved_version_supersedes_an_earlier_one_from_its_start():
    """“被替代”: the 5 % version supersedes the catalog's 10 % one from 2026-01-01, which keeps the
    events before it; the rule page marks the old one superseded."""
    row, _first, second = approved_zz23_3()
    assert (pays("2025-12-31"), pays("2026-01-01")) == ("800000.00", "400000.00")
    old = next(item for item in rule_history(second, "ZZ23-3") if item.row.pk != row.pk)
    assert (old.row.state, old.superseded_on) == ("approved", D(2026, 1, 1))


def test_proposing_audits_every_parameter_old_and_new():
    row = propose_version(program_manager("ZZ23"), program("ZZ23"), zz23_3())
    event = AuditEvent.objects.for_object(row).get()
    changes = {change["name"]: (change["old"], change["new"]) for change in event.data["changes"]}
    assert changes["params.rate"] == ("0.10", "0.05")
    assert changes["params.cap"] == ("1000000", "2000000")
    assert changes["params.fact"] == ("investment", "investment")
    assert event.data["supersedes_window"].startswith("2023-01-20")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"params": {"fact": "investment", "rate": "1.5"}}, "params", "150.00%"),
    ({"params": {"fact": "investment", "rate": "-0.1"}}, "params", "non-negative"),
    ({"params": {"fact": "investment", "rate": "0.1", "cap": "-1"}}, "params", "non-negative"),
    ({"effective_from": D(2023, 1, 19)}, "effective_from", "2023-01-20"),
    ({"note": ""}, "note", "why"),
])
def test_bad_versions_change_nothing(changes, field, message):
    """Bad input gets a clear message and changes nothing: ZZ23 五（三）“的 10％给予股权融资补助” is a share
    of the investment, so a rate of 1.5 (150 %) is refused; the document “自公布之日起施行” (2023-01-20),
    so a version starting before it is refused."""
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        propose_version(program_manager("ZZ23"), program("ZZ23"), zz23_3(**changes))
    assert message in " ".join(exc.value.message_dict[field])
    assert PolicyRuleVersion.objects.filter(code="ZZ23-3").count() == 1 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(("rule_type", "params", "message"), [
    ("rate_in_range", {"fact": "funds_received", "rate_fact": "rate", "rate_min": "0", "rate_max": "1.2"}, "rate_max"),
    ("tiered_by_grade", {"tiers": {"excellent": "8000000"}, "input_share": "2", "years": 3}, "input_share"),
    ("tiered_by_grade", {"tiers": {"excellent": "8000000"}, "input_share": "0.5", "years": 0}, "years"),
])
def test_rule_type_bounds(rule_type, params, message):
    payees = ["institute"] if rule_type == "tiered_by_grade" else ["unit"]
    with pytest.raises(ValidationError) as exc:
        propose_version(program_manager("ZZ23"), program("ZZ23"), zz23_3(
            code="ZZ23-50", rule_type=rule_type, params=params, payees=payees))
    assert message in exc.value.message_dict["params"][0]


@pytest.mark.parametrize("end", [None, D(2025, 1, 1)])
def test_an_xx22_version_may_not_run_past_the_document(end):
    """XX22 “有效期自发布之日起至 2024 年 12 月 31 日”: a version ending later (or never) is refused."""
    with pytest.raises(ValidationError) as exc:
        propose_version(program_manager("XX22"), program("XX22"), VersionData(
            code="XX22-1", document="新政办〔2022〕9号", article="四（一）", title="创建补贴", rule_type="fixed_per_year",
            params={"amount": "5000000", "years": 3}, payees=["institute"], cap_period="year",
            effective_from=D(2024, 1, 1), effective_to=end, note="调整"))
    assert "2024-12-31" in exc.value.message_dict["effective_to"][0]


def test_the_rule_list_shows_what_awaits_my_approval_first(as_user):
    mine, other = program_manager("ZZ23"), program_manager("ZZ23")
    theirs = propose_version(other, program("ZZ23"), zz23_3())
    own = propose_version(mine, program("ZZ23"), zz23_3(code="ZZ23-4B", effective_from=D(2026, 2, 1),
                                                          params={"fact": "raised", "rate": "0.001"}))
    assert [row.pk for row in awaiting_my_decision(mine)] == [theirs.pk]
    assert [row.pk for row in awaiting_my_decision(other)] == [own.pk]
    html = as_user(mine).get(reverse("subsidies:rule_list")).content.decode()
    assert html.index(f'data-testid="awaiting-{theirs.pk}"') < html.index('data-testid="rule-group"')
    assert f'data-testid="awaiting-{own.pk}"' not in html


def test_the_rule_page_shows_states_people_and_the_parameter_diff(as_user):
    first, second = program_manager("ZZ23"), program_manager("ZZ23")
    row = propose_version(first, program("ZZ23"), zz23_3())
    page = as_user(first).get(reverse("subsidies:rule_detail", args=["ZZ23-3"]))
    html = page.content.decode()
    assert f'data-testid="changes-{row.pk}"' in html and "params." not in html  # labels, not raw paths
    assert "10%" in html and "5%" in html
    assert f'data-testid="approve-{row.pk}"' not in html  # the proposer gets no approve button
    assert f'data-testid="withdraw-{row.pk}"' in html
    client = as_user(second)
    assert f'data-testid="approve-{row.pk}"' in client.get(reverse("subsidies:rule_detail", args=["ZZ23-3"])).content.decode()
    response = client.post(reverse("subsidies:rule_version_decide", args=[row.pk]), {"action": "approve", "reason": "核对"})
    assert response.status_code == 302
    history = rule_history(second, "ZZ23-3")
    old = next(item for item in history if item.row.pk != row.pk)
    assert old.superseded_on == D(2026, 1, 1)
    assert [item.row.state for item in history] == ["approved", "approved"]


def test_the_proposer_posting_approve_is_told_why_and_nothing_changes(as_user):
    proposer = program_manager("ZZ23")
    row = propose_version(proposer, program("ZZ23"), zz23_3())
    client = as_user(proposer)
    response = client.post(reverse("subsidies:rule_version_decide", args=[row.pk]), {"action": "approve"}, follow=True)
    assert "未作任何更改：规则版本须由提出人以外的另一名项目主管审核通过" in response.content.decode()
    assert PolicyRuleVersion.objects.get(pk=row.pk).state == "proposed"


def test_the_rule_page_lists_in_constant_queries(as_user, django_assert_num_queries):
    """The rule page costs the same with the catalog's one version and with six, half approved."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = program_manager("ZZ23"), program_manager("ZZ23")
    client = as_user(second)
    url = reverse("subsidies:rule_detail", args=["ZZ23-3"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for year in range(2026, 2031):
        row = propose_version(first, program("ZZ23"), zz23_3(effective_from=D(year, 1, 1)))
        if year % 2:
            approve_version(row, second)
    with django_assert_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('data-testid="version-') == 6


def test_retiring_through_the_page_takes_the_last_day_and_a_second_manager(as_user):
    """The page's retirement: the last day and the reason go with the proposal; the proposer gets no
    confirm button, the second manager confirms and the version ends on that day."""
    row, first, second = approved_zz23_3()
    today = timezone.localdate()
    url = reverse("subsidies:rule_version_decide", args=[row.pk])
    detail = reverse("subsidies:rule_detail", args=["ZZ23-3"])
    client = as_user(first)
    assert f'data-testid="last-day-{row.pk}"' in client.get(detail).content.decode()
    response = client.post(url, {"action": "propose_retirement", "reason": "文件废止"}, follow=True)
    assert "请填写该版本适用于事项的最后一日。" in response.content.decode()  # pages speak Chinese
    assert PolicyRuleVersion.objects.get(pk=row.pk).state == "approved"
    client.post(url, {"action": "propose_retirement", "reason": "文件废止", "last_day": today.isoformat()})
    assert PolicyRuleVersion.objects.get(pk=row.pk).state == "retiring"
    assert f'data-testid="confirm_retirement-{row.pk}"' not in client.get(detail).content.decode()
    other = as_user(second)
    assert f'data-testid="confirm_retirement-{row.pk}"' in other.get(detail).content.decode()
    other.post(url, {"action": "confirm_retirement", "reason": "核实"})
    row.refresh_from_db()
    assert (row.state, row.effective_to) == ("retired", today)


def test_an_unknown_decision_changes_nothing(as_user):
    row, first, _second = approved_zz23_3()
    response = as_user(first).post(reverse("subsidies:rule_version_decide", args=[row.pk]), {"action": "delete"},
                                   follow=True)
    assert "无法识别的操作；未作任何更改。" in response.content.decode()  # pages speak Chinese
    assert PolicyRuleVersion.objects.get(pk=row.pk).state == "approved"


def test_loading_the_catalog_again_keeps_states_and_a_retirement():
    """The catalog's ZZ23-3 (“10％”) retired by two managers stays retired with its end; the catalog
    loader finds it among the live versions even when a rejected proposal shares its start."""
    from subsidies.rule_catalog import load_rules

    catalog = PolicyRuleVersion.objects.get(code="ZZ23-3")
    first, second = program_manager("ZZ23"), program_manager("ZZ23")
    today = timezone.localdate()
    propose_retirement(catalog, first, reason="文件废止", last_day=today)
    confirm_retirement(catalog, second)
    PolicyRuleVersion.objects.create(code="ZZ23-3", document="x", article="x", title="x", rule_type="fixed",
                                     params={"amount": "1"}, effective_from=catalog.effective_from,
                                     program=catalog.program, state="rejected")
    assert load_rules() == 0
    catalog.refresh_from_db()
    assert (catalog.state, catalog.effective_to, catalog.params["rate"]) == ("retired", today, "0.10")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"param__rate": "150"}, "param__rate", "比例最高为 100%"),
    ({"effective_from": "2023-01-19"}, "effective_from", "自 2023-01-20 起施行"),
])
def test_the_form_refuses_150_percent_and_a_start_before_the_document_in_chinese(as_user, changes, field, message):
    """The typed form, in Chinese: ZZ23 五（三）“的 10％” is entered as 10 (%) and “最高 100万元” as 100 (万元);
    150 % and a start before the document (“本办法自公布之日起施行”, 2023-01-20) are refused on the field,
    and nothing is stored or audited."""
    client = as_user(program_manager("ZZ23"))
    url = reverse("subsidies:rule_version_new", args=["ZZ23-3"])
    form = client.get(url).context["form"]
    assert (form["param__rate"].value(), form["param__cap"].value()) == ("10", "100")
    versions, events = PolicyRuleVersion.objects.count(), AuditEvent.objects.count()
    response = client.post(url, {
        "document": "郑政办〔2026〕1号", "article": "五（三）", "title": "新版", "param__rate": "5", "param__cap": "200",
        "param__minimum_inclusive": "on", "payees": ["enterprise"], "cap_period": "year",
        "effective_from": "2026-01-01", "note": "新文件", **changes})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert (PolicyRuleVersion.objects.count(), AuditEvent.objects.count()) == (versions, events)

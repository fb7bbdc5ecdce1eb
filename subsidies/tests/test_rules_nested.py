"""Rule versions of the nested types through the typed editor (issue 9): levels, stages, milestones
and options as rows, amounts in 万元 and rates in %, stored as the yuan and fractions the calculator
reads, audited parameter by parameter, quoting only once a second program manager approves; bad
rows are refused on the row and change nothing; the rule page shows every parameter in Chinese."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.audit.models import AuditEvent
from subsidies.calculator import quote
from subsidies.models import PolicyRuleVersion
from subsidies.selectors.rules import versions_in_force
from tests.factories import program_manager

pytestmark = pytest.mark.django_db
D = datetime.date


def form_data(form) -> dict:
    """What the browser posts for `form` as shown: every enabled field and every row, as prefilled."""
    data = {}

    def add(part):
        for field in part:
            value = field.value()
            if field.field.disabled or value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    add(form)
    for section in form.sections:
        add(section.formset.management_form)
        for row in section.formset.forms:
            add(row)
    return data


def row_of(form, prefix, key):
    """The index of the row of `key` in the formset `prefix` as the form shows it."""
    formset = next(section.formset for section in form.sections if section.formset.prefix == prefix)
    return next(index for index, row in enumerate(formset.forms) if row["key"].value() == key)


def pays(code, day, facts):
    answer = quote({"rule": code, "date": day, "facts": facts}, versions_in_force())
    return {payout["payee"]: payout["amount"] for payout in answer["payouts"]}


def changes_of(row) -> dict:
    event = AuditEvent.objects.for_object(row).get(action="propose_rule_version")
    return {change["name"]: (change["old"], change["new"]) for change in event.data["changes"]}


def propose(client, code, edit, **fields):
    """GET the new-version form of `code`, apply `edit(form, data)` and post it; the response."""
    url = reverse("subsidies:rule_version_new", args=[code])
    form = client.get(url).context["form"]
    data = form_data(form)
    data.update({"note": "新文件发布", **fields})
    edit(form, data)
    return client.post(url, data)


def approve(client, row):
    response = client.post(reverse("subsidies:rule_version_decide", args=[row.pk]), {"action": "approve"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == "approved"


def nothing_changed(before):
    return (PolicyRuleVersion.objects.count(), AuditEvent.objects.count()) == before


# ---- fixed_by_level: ZZ23-4 listing awards, with stages ------------------------------------------------


def zz23_4_edit(form, data):
    """新三板 100 → 150 万元, and the STAR award's 1000 万元 in two stages: 辅导备案 300, 上市 700."""
    data[f"levels-{row_of(form, 'levels', 'neeq')}-amount_enterprise"] = "150"
    data.update({"stages-0-level": "star", "stages-0-key": "filing", "stages-0-label": "辅导备案",
                 "stages-0-amount": "300", "stages-1-level": "star", "stages-1-key": "listed",
                 "stages-1-amount": "700.00"})


def test_a_listing_award_version_through_the_rows(as_user):
    """ZZ23 五（四）“对在科创板上市的企业合计给予 1000万元奖励……奖励按照有关规定分阶段实施；……对在全国中小企业股转
    系统（新三板）挂牌的企业，同时符合“千企展翼”行动计划资金管理暂行办法有关条件的，给予 100万元奖励”: the rows
    are prefilled in 万元 from the catalog's version (1000, 100, NEEQ requiring 千企展翼); NEEQ raised to
    150 万元 and the STAR award split into stages are stored in yuan, audited old → new, and quote only once
    a second manager approves."""
    proposer, second = program_manager("ZZ23"), program_manager("ZZ23")
    client = as_user(proposer)
    form = client.get(reverse("subsidies:rule_version_new", args=["ZZ23-4"])).context["form"]
    star = row_of(form, "levels", "star")
    neeq = form.sections[0].formset.forms[row_of(form, "levels", "neeq")]
    assert form.sections[0].formset.forms[star]["amount_enterprise"].value() == "1000"
    assert (neeq["amount_enterprise"].value(), neeq["requires"].value()) == ("100", "qianqi")
    response = propose(client, "ZZ23-4", zz23_4_edit, effective_from="2026-01-01")
    assert response.status_code == 302, response.context["form"].errors
    row = PolicyRuleVersion.objects.get(code="ZZ23-4", effective_from=D(2026, 1, 1))
    assert row.params["amounts"]["neeq"] == {"enterprise": "1500000.00"}
    assert row.params["amounts"]["star"] == {"enterprise": "10000000.00"}
    assert row.params["requires"] == {"neeq": "qianqi", "regional": "qianqi"}
    assert row.params["stages"] == {"star": {"filing": {"label": "辅导备案", "amount": "3000000.00"},
                                             "listed": {"label": "上市", "amount": "7000000.00"}}}
    changes = changes_of(row)
    assert changes["params.amounts.neeq.enterprise"] == ("1000000", "1500000.00")
    assert changes["params.stages.star.filing.amount"] == (None, "3000000.00")
    assert changes["params.requires.neeq"] == ("qianqi", "qianqi")
    facts = {"board": "neeq", "qianqi": True}
    assert pays("ZZ23-4", "2026-03-01", facts) == {"enterprise": "1000000.00"}  # a draft quotes nothing
    approve(as_user(second), row)
    assert pays("ZZ23-4", "2026-03-01", facts) == {"enterprise": "1500000.00"}
    assert pays("ZZ23-4", "2026-03-01", {"board": "star", "stage": "filing"}) == {"enterprise": "3000000.00"}
    assert pays("ZZ23-4", "2025-12-31", facts) == {"enterprise": "1000000.00"}  # earlier events keep theirs


def test_the_rule_page_shows_the_nested_diff_in_chinese(as_user):
    """The parameter diff of the ZZ23-4 proposal (五（四）“新三板……给予 100万元奖励”) in words: 科创板, 新三板挂牌,
    符合“千企展翼”行动条件, amounts in 元 and 万元 — no raw keys (neeq, qianqi, star) and no parameter paths."""
    proposer = program_manager("ZZ23")
    client = as_user(proposer)
    assert propose(client, "ZZ23-4", zz23_4_edit, effective_from="2026-01-01").status_code == 302
    row = PolicyRuleVersion.objects.get(code="ZZ23-4", effective_from=D(2026, 1, 1))
    html = client.get(reverse("subsidies:rule_detail", args=["ZZ23-4"])).content.decode()
    table = html[html.index(f'data-testid="changes-{row.pk}"'):]
    table = table[:table.index("</table>")]
    assert "科创板" in table and "新三板挂牌" in table and "符合“千企展翼”行动条件" in table
    assert "1,500,000.00 元（150 万元）" in table and "辅导备案" in table
    for raw in ("neeq", "qianqi", "star", "enterprise", "params.", "amounts", "filing"):
        assert raw not in table, raw
    header = html[html.index(f'data-testid="version-{row.pk}"'):]
    assert "enterprise" not in header[:header.index("</div>")]


# ---- milestones: XX22-11 revenue milestones ----------------------------------------------------------


def test_a_milestones_version_through_the_rows(as_user):
    """XX22 四（十一）“年营业收入首次超过500万元、1000万元、1亿元的，除分别给予 5 万元、10 万元、20 万元一次性奖励外，
    再对相应产研院分别给予 5 万元、10 万元、20 万元一次性奖励”: a 2024 version adds a 5000 万元 milestone paying
    15 万元 to each; revenue of 6000 万元 then crosses 500, 1000 and 5000."""
    client = as_user(program_manager("XX22"))
    form = client.get(reverse("subsidies:rule_version_new", args=["XX22-11"])).context["form"]
    thresholds = form.sections[0].formset
    assert [(row["key"].value(), row["amount_enterprise"].value(), row["amount_institute"].value())
            for row in thresholds.forms[:3]] == [("500", "5", "5"), ("1000", "10", "10"), ("10000", "20", "20")]

    def edit(form, data):
        data.update({"thresholds-3-key": "5000", "thresholds-3-amount_enterprise": "15",
                     "thresholds-3-amount_institute": "15"})
    response = propose(client, "XX22-11", edit, effective_from="2024-01-01", effective_to="2024-12-31")
    assert response.status_code == 302, response.context["form"].errors
    row = PolicyRuleVersion.objects.get(code="XX22-11", effective_from=D(2024, 1, 1))
    assert [item["above"] for item in row.params["thresholds"]] == [
        "5000000.00", "10000000.00", "50000000.00", "100000000.00"]
    assert row.params["thresholds"][2]["amounts"] == {"enterprise": "150000.00", "institute": "150000.00"}
    changes = changes_of(row)
    assert changes["params.thresholds.2.above"] == ("100000000", "50000000.00")
    assert changes["params.thresholds.3.above"] == (None, "100000000.00")
    facts = {"revenue": "60000000", "previous_peak_revenue": "0"}
    assert pays("XX22-11", "2024-06-01", facts) == {"enterprise": "150000.00", "institute": "150000.00"}
    approve(as_user(program_manager("XX22")), row)
    assert pays("XX22-11", "2024-06-01", facts) == {"enterprise": "300000.00", "institute": "300000.00"}


# ---- by_choice: XX22-5A (options by level) and ZZ17-11 (options of flat types, rates in %) -----------------


def test_a_by_choice_version_with_levels_through_the_rows(as_user):
    """XX22 四（五）“对产研院或者其衍生企业作为第一完成单位完成的科研成果获得国家科技进步奖的，按照特等、一等、二等奖次，
    分别给予 200 万元、40 万元、20 万元一次性奖励”: each first completing unit has its rows; the institute's
    特等奖 raised to 250 万元 is stored in yuan inside its option and quotes once approved."""
    client = as_user(program_manager("XX22"))
    form = client.get(reverse("subsidies:rule_version_new", args=["XX22-5A"])).context["form"]
    assert [section.formset.prefix for section in form.sections] == ["levels-institute", "levels-enterprise"]
    assert form["param__default"].value() == "institute"

    def edit(form, data):
        data[f"levels-institute-{row_of(form, 'levels-institute', 'special')}-amount_institute"] = "250"
    response = propose(client, "XX22-5A", edit, effective_from="2024-01-01", effective_to="2024-12-31")
    assert response.status_code == 302, response.context["form"].errors
    row = PolicyRuleVersion.objects.get(code="XX22-5A", effective_from=D(2024, 1, 1))
    option = row.params["options"]["institute"]
    assert option["rule_type"] == "fixed_by_level"
    assert option["params"]["amounts"]["special"] == {"institute": "2500000.00"}
    assert row.params["options"]["enterprise"]["params"]["amounts"]["special"] == {"enterprise": "2000000.00"}
    assert row.params["default"] == "institute"
    assert changes_of(row)["params.options.institute.params.amounts.special.institute"] == ("2000000", "2500000.00")
    facts = {"level": "special"}
    assert pays("XX22-5A", "2024-06-01", facts) == {"institute": "2000000.00"}
    approve(as_user(program_manager("XX22")), row)
    assert pays("XX22-5A", "2024-06-01", facts) == {"institute": "2500000.00"}
    assert pays("XX22-5A", "2024-06-01", {**facts, "first_unit": "enterprise"}) == {"enterprise": "2000000.00"}


def test_a_by_choice_version_with_rates_in_percent(as_user):
    """ZZ17 三（三）11“对使用者按照实际缴纳费用 10%—30% 的比例给予共享使用后补助，……总额最高为 20 万元”: the user's
    rates are entered in % (10, 30 → 40) and the shared cap in 万元; stored as fractions and yuan."""
    client = as_user(program_manager("ZZ17"))
    form = client.get(reverse("subsidies:rule_version_new", args=["ZZ17-11"])).context["form"]
    prefix = "param__options__user__params__"
    assert (form[prefix + "rate_min"].value(), form[prefix + "rate_max"].value(), form[prefix + "cap"].value()) == (
        "10", "30", "20")

    def edit(form, data):
        data[prefix + "rate_max"] = "40"
    response = propose(client, "ZZ17-11", edit, effective_from="2026-01-01")
    assert response.status_code == 302, response.context["form"].errors
    row = PolicyRuleVersion.objects.get(code="ZZ17-11", effective_from=D(2026, 1, 1))
    user = row.params["options"]["user"]["params"]
    assert (user["rate_min"], user["rate_max"], user["cap"], user["fact"]) == ("0.1", "0.4", "200000.00", "fees")
    assert row.params["options"]["owner"] == {"rule_type": "approved_amount",
                                              "params": {"fact": "approved_amount", "cap": "200000.00"}}
    assert changes_of(row)["params.options.user.params.rate_max"] == ("0.30", "0.4")
    facts = {"role": "user", "fees": "100000", "rate": "0.35"}
    from subsidies.calculator import QuoteInputError
    with pytest.raises(QuoteInputError):
        pays("ZZ17-11", "2026-03-01", facts)  # 35 % is outside 10 %–30 % until approved
    approve(as_user(program_manager("ZZ17")), row)
    assert pays("ZZ17-11", "2026-03-01", facts) == {"unit": "35000.00"}


# ---- a new HN23 rule of a nested type -----------------------------------------------------------------


def hn23_rule(**rows):
    return {"code": "HN23-2", "document": "豫财科〔2026〕8号", "article": "第五条", "title": "创新中心奖励",
            "payees": ["institute"], "cap_period": "once", "effective_from": "2026-03-01", "note": "资金管理办法印发",
            "param__fact": "level", "levels-TOTAL_FORMS": "3", "levels-INITIAL_FORMS": "0",
            "stages-TOTAL_FORMS": "2", "stages-INITIAL_FORMS": "0", **rows}


def test_a_new_hn23_rule_by_level_through_the_rows(as_user):
    """HN23 第八条“享受……政策和资金支持，具体办法由省财政厅和工业和信息化厅另行制定”: the separate measures' amounts
    are entered as a new rule, levels chosen from the list, amounts in 万元; approved, it quotes."""
    client = as_user(program_manager("HN23"))
    url = reverse("subsidies:rule_new", args=["HN23"]) + "?rule_type=fixed_by_level"
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="rows-levels"' in page.content.decode()
    response = client.post(url, hn23_rule(**{
        "levels-0-key": "national", "levels-0-amount_institute": "500",
        "levels-1-key": "provincial", "levels-1-amount_institute": "300.5"}))
    assert response.status_code == 302, response.context["form"].errors
    row = PolicyRuleVersion.objects.get(code="HN23-2")
    assert row.params == {"fact": "level", "amounts": {"national": {"institute": "5000000.00"},
                                                       "provincial": {"institute": "3005000.00"}}, "requires": {}}
    assert changes_of(row)["params.amounts.provincial.institute"] == (None, "3005000.00")
    approve(as_user(program_manager("HN23")), row)
    assert pays("HN23-2", "2026-03-02", {"level": "provincial"}) == {"institute": "3005000.00"}


# ---- bad rows: a clear message on the row, nothing stored -----------------------------------------------


@pytest.mark.parametrize(("edit", "field", "message"), [
    # negative
    (lambda form, data: data.update({f"levels-{row_of(form, 'levels', 'neeq')}-amount_enterprise": "-5"}),
     ("levels", "neeq", "amount_enterprise"), "不能为负"),
    # duplicate key
    (lambda form, data: data.update({"levels-5-key": "star", "levels-5-amount_enterprise": "900"}),
     ("levels", 5, "key"), "已在第"),
    # unknown key
    (lambda form, data: data.update({"levels-5-key": "moon", "levels-5-amount_enterprise": "900"}),
     ("levels", 5, "key"), "moon"),
    # stages above the award's total
    (lambda form, data: data.update({"stages-0-level": "star", "stages-0-key": "filing", "stages-0-amount": "600",
                                     "stages-1-level": "star", "stages-1-key": "listed", "stages-1-amount": "600"}),
     ("stages", 0, "amount"), "1200"),
    # an amount for a payee the version does not pay: ZZ23-4 pays the enterprise only
    (lambda form, data: data.update({"payees": ["institute"]}),
     ("levels", "star", "amount_enterprise"), "不在本版本的受款方之中"),
    # more than two decimals of 万元
    (lambda form, data: data.update({f"levels-{row_of(form, 'levels', 'star')}-amount_enterprise": "1000.123"}),
     ("levels", "star", "amount_enterprise"), "两位小数"),
])
def test_bad_rows_are_refused_on_the_row_and_change_nothing(as_user, edit, field, message):
    """ZZ23 五（四）“合计给予 1000万元奖励，……奖励按照有关规定分阶段实施”: an amount below zero, a board given twice, a
    board the rule does not know, stages adding up to more than the 1000 万元 total, an amount to a payee the
    version does not pay — each refused with its message on its row; no version, no audit event."""
    client = as_user(program_manager("ZZ23"))
    before = (PolicyRuleVersion.objects.count(), AuditEvent.objects.count())
    form = client.get(reverse("subsidies:rule_version_new", args=["ZZ23-4"])).context["form"]
    prefix, row, name = field
    index = row if isinstance(row, int) else row_of(form, prefix, row)
    response = propose(client, "ZZ23-4", edit, effective_from="2026-01-01")
    assert response.status_code == 200
    shown = response.context["form"]
    formset = next(section.formset for section in shown.sections if section.formset.prefix == prefix)
    assert message in " ".join(formset.forms[index].errors.get(name, [])), formset.forms[index].errors
    assert "未保存：请修改下方标注的内容。" in response.content.decode()
    assert nothing_changed(before)


def test_a_level_of_the_superseded_version_cannot_be_dropped(as_user):
    """ZZ23 五（四）“对在河南省区域性股权交易市场（中原股权交易中心）交易板挂牌……给予 10万元奖励”: clearing the regional
    row is refused (claims name the level); leaving its amount empty keeps it as a level paying nothing."""
    client = as_user(program_manager("ZZ23"))
    before = (PolicyRuleVersion.objects.count(), AuditEvent.objects.count())

    def clear(form, data):
        index = row_of(form, "levels", "regional")
        for name in ("key", "amount_enterprise", "requires"):
            data.pop(f"levels-{index}-{name}", None)
    response = propose(client, "ZZ23-4", clear, effective_from="2026-01-01")
    assert response.status_code == 200
    errors = " ".join(response.context["form"].sections[0].formset.non_form_errors())
    assert "中原股权交易中心" in errors or "区域" in errors, errors
    assert nothing_changed(before)

    def pays_nothing(form, data):
        data.pop(f"levels-{row_of(form, 'levels', 'regional')}-amount_enterprise")
    assert propose(client, "ZZ23-4", pays_nothing, effective_from="2026-01-01").status_code == 302
    assert PolicyRuleVersion.objects.get(code="ZZ23-4", effective_from=D(2026, 1, 1)).params["amounts"]["regional"] == {}


def test_a_new_rule_refuses_a_level_of_another_fact(as_user):
    """A new HN23 rule reading the evaluation grade cannot pay a 金奖 (an award level, not a grade)."""
    client = as_user(program_manager("HN23"))
    before = (PolicyRuleVersion.objects.count(), AuditEvent.objects.count())
    response = client.post(reverse("subsidies:rule_new", args=["HN23"]) + "?rule_type=fixed_by_level", hn23_rule(**{
        "param__fact": "grade", "levels-0-key": "excellent", "levels-0-amount_institute": "50",
        "levels-1-key": "gold", "levels-1-amount_institute": "30"}))
    assert response.status_code == 200
    errors = response.context["form"].sections[0].formset.forms[1].errors["key"]
    assert "金奖" in " ".join(errors)
    assert nothing_changed(before)


def test_milestone_rows_refuse_a_duplicate_and_a_negative(as_user):
    """XX22 四（十一）“年营业收入首次超过500万元、1000万元、1亿元的”: the 500 万元 milestone twice, or a negative award,
    is refused on its row; nothing is stored."""
    client = as_user(program_manager("XX22"))
    before = (PolicyRuleVersion.objects.count(), AuditEvent.objects.count())

    def duplicate(form, data):
        data.update({"thresholds-3-key": "500", "thresholds-3-amount_enterprise": "1"})
    response = propose(client, "XX22-11", duplicate, effective_from="2024-01-01", effective_to="2024-12-31")
    assert "已在第 1 行" in " ".join(response.context["form"].sections[0].formset.forms[3].errors["key"])

    def negative(form, data):
        data["thresholds-0-amount_institute"] = "-5"
    response = propose(client, "XX22-11", negative, effective_from="2024-01-01", effective_to="2024-12-31")
    assert "不能为负" in " ".join(response.context["form"].sections[0].formset.forms[0].errors["amount_institute"])
    assert nothing_changed(before)


def test_an_old_amount_is_shown_as_entered_in_wan():
    """The rows show yuan as 万元 exactly: 10,000,000 → 1000, 123,400 → 12.34."""
    from subsidies.forms.rule_rows import shown_wan, to_yuan

    assert (shown_wan("10000000"), shown_wan("123400.00"), to_yuan(Decimal("12.34"))) == ("1000", "12.34", "123400.00")


def test_every_bad_row_is_marked_at_once(as_user):
    """A negative amount on one row does not hide a board given twice on another (五（四）“科创板……1000万元”)."""
    client = as_user(program_manager("ZZ23"))
    before = (PolicyRuleVersion.objects.count(), AuditEvent.objects.count())

    def edit(form, data):
        data[f"levels-{row_of(form, 'levels', 'neeq')}-amount_enterprise"] = "-5"
        data.update({"levels-5-key": "star", "levels-5-amount_enterprise": "900"})
    response = propose(client, "ZZ23-4", edit, effective_from="2026-01-01")
    formset = response.context["form"].sections[0].formset
    assert "不能为负" in " ".join(formset.forms[row_of(response.context["form"], "levels", "neeq")].errors["amount_enterprise"])
    assert "已在第" in " ".join(formset.forms[5].errors["key"])
    assert not formset.non_form_errors()  # the NEEQ row is still there: no "level dropped" message
    assert nothing_changed(before)


def test_a_new_nested_rule_starts_from_its_shape(as_user):
    """A new HN23 rule of a nested type: milestones and both by_choice shapes (the first completing unit of
    XX22 四（五）“产研院或者其衍生企业作为第一完成单位”, the role of ZZ17 三（三）11 “对拥有者……对使用者”) open as rows
    or typed fields; an unknown shape is not a page."""
    client = as_user(program_manager("HN23"))
    url = reverse("subsidies:rule_new", args=["HN23"])
    assert 'data-testid="rows-thresholds"' in client.get(url + "?rule_type=milestones").content.decode()
    units = client.get(url + "?rule_type=by_choice&fact=first_unit").content.decode()
    assert 'data-testid="rows-levels-institute"' in units and 'data-testid="rows-levels-enterprise"' in units
    roles = client.get(url + "?rule_type=by_choice&fact=role").context["form"]
    assert "param__options__user__params__rate_max" in roles.fields
    assert client.get(url + "?rule_type=by_choice&fact=colour").status_code == 404

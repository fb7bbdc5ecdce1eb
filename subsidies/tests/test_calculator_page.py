"""The public calculator page: rules grouped by document, facts from the rule type, the answer per
payee with the steps, clear messages for bad input; it quotes with the database's versions."""
import datetime
import re

import pytest
from django.urls import reverse

from subsidies.models import PolicyRuleVersion
from subsidies.services.rules import VersionData
from tests.factories_rules import approved_version
from tests.factories import program, program_manager

pytestmark = pytest.mark.django_db
URL = reverse("subsidies:calculator")


def ask(client, **params):
    return client.get(URL, {"calculate": "1", **params}, HTTP_COOKIE="django_language=en")


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_page_lists_every_rule_grouped_by_document(client):
    response = english(client).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<optgroup") == 4
    for code in PolicyRuleVersion.objects.values_list("code", flat=True).distinct():
        assert f'value="{code}"' in html
    assert "五（三）" in html and "郑政办〔2023〕6号" in html


def test_choosing_a_rule_shows_its_facts_and_text(client):
    html = english(client).get(URL, {"rule": "ZZ17-11"}).content.decode()
    for name in ("fact_role", "fact_fees", "fact_rate", "fact_approved_amount", "paid_in_period", 'name="date"'):
        assert name in html
    assert "三（三）11" in html
    assert "fact_investment" not in html


def test_section_7_example_through_the_page(client):
    response = ask(english(client), rule="ZZ23-3", date="2024-05-10", fact_investment="8000000", paid_in_period="300000")
    assert response.context["answer"]["payouts"] == [{"payee": "enterprise", "amount": "700000.00"}]
    html = response.content.decode()
    assert "700,000.00 元" in html and "70 万元" in html
    assert len(response.context["answer"]["trace"]) == 4


def test_split_payees_and_flags(client):
    english(client)
    answer = ask(client, rule="XX22-3", date="2024-12-31", fact_board="main").context["answer"]
    assert answer["payouts"] == [{"payee": "enterprise", "amount": "2000000.00"}, {"payee": "institute", "amount": "500000.00"}]
    refused = ask(client, rule="ZZ23-4", date="2024-05-10", fact_board="neeq").context["answer"]
    assert refused["eligible"] is False
    paid = ask(client, rule="ZZ23-4", date="2024-05-10", fact_board="neeq", fact_qianqi="on").context["answer"]
    assert paid["payouts"] == [{"payee": "enterprise", "amount": "1000000.00"}]


def test_by_choice_sends_only_the_chosen_options_facts(client):
    answer = ask(english(client), rule="ZZ17-11", date="2024-05-10", fact_role="owner", fact_fees="100",
                 fact_rate="", fact_approved_amount="150000").context["answer"]
    assert answer["payouts"] == [{"payee": "unit", "amount": "150000.00"}]


def test_outside_the_window_is_not_eligible_with_the_reason(client):
    response = ask(english(client), rule="XX22-3", date="2025-01-01", fact_board="main")
    assert response.context["answer"]["eligible"] is False
    assert "outside the effective window" in response.content.decode()


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"fact_investment": "-5"}, "fact_investment", "greater than or equal to 0"),
    ({"fact_investment": "abc"}, "fact_investment", "Enter a number"),
    ({"fact_investment": "1.001"}, "fact_investment", "2 decimal places"),
    ({"fact_investment": ""}, "fact_investment", "required"),
    ({"date": "2024-13-01"}, "date", "valid date"),
    ({"paid_in_period": "-1"}, "paid_in_period", "greater than or equal to 0"),
])
def test_bad_input_is_a_clear_message_on_the_field(client, params, field, message):
    data = {"rule": "ZZ23-3", "date": "2024-05-10", "fact_investment": "100", **params}
    response = ask(english(client), **data)
    assert response.status_code == 200
    assert response.context["answer"] is None
    assert any(message in error for error in response.context["form"].errors[field])


def test_unknown_rule_is_a_message(client):
    response = ask(english(client), rule="NOPE-1", date="2024-05-10")
    assert "rule" in response.context["form"].errors


def test_engine_refusal_is_shown_as_a_form_error(client):
    response = ask(english(client), rule="SJZ22-6", date="2024-05-10", fact_approved_amount="1500000")
    errors = response.context["form"].non_field_errors()
    assert errors and "above the guide amount" in errors[0] and "staff_override" not in errors[0]
    assert "above the guide amount" in response.content.decode()  # shown on the page, not only in the form


def test_a_version_added_by_a_manager_applies_from_its_start_and_old_events_keep_the_old(client):
    manager = program_manager("ZZ23")
    approved_version(manager, program("ZZ23"), VersionData(
        code="ZZ23-3", document="郑政办〔2026〕1号", article="五（三）", title="新版股权融资补贴",
        rule_type="percentage", params={"fact": "investment", "rate": "0.05", "cap": "2000000"},
        payees=["enterprise"], cap_period="year", effective_from=datetime.date(2026, 1, 1), note="新文件",
    ))
    english(client)
    new = ask(client, rule="ZZ23-3", date="2026-01-01", fact_investment="8000000").context["answer"]
    old = ask(client, rule="ZZ23-3", date="2025-12-31", fact_investment="8000000").context["answer"]
    assert new["payouts"][0]["amount"] == "400000.00"
    assert old["payouts"][0]["amount"] == "800000.00"


def test_the_page_speaks_chinese_by_default(client):
    response = client.get(URL, {"calculate": "1", "rule": "ZZ23-3", "date": "2024-05-10", "fact_investment": "8000000"})
    html = response.content.decode()
    assert "政策计算器" in html or "计算" in html
    assert re.search(r"800,000.00 元", html)


def test_the_page_costs_one_query_whatever_the_number_of_rules(client, django_assert_num_queries):
    """The rule list and the versions the quote uses come from one read of the quoting versions."""
    with django_assert_num_queries(1):
        assert english(client).get(URL).status_code == 200
    manager = program_manager("ZZ23")
    for year in range(2027, 2032):
        approved_version(manager, program("ZZ23"), VersionData(
            code=f"ZZ23-9{year % 10}", document="郑政办〔2026〕1号", article="五（九）", title=f"新增补贴{year}",
            rule_type="percentage", params={"fact": "investment", "rate": "0.05", "cap": "2000000"},
            payees=["enterprise"], cap_period="year", effective_from=datetime.date(year, 1, 1), note="新文件",
        ))
    with django_assert_num_queries(1):
        html = client.get(URL).content.decode()
    assert 'value="ZZ23-97"' in html
    with django_assert_num_queries(1):
        assert ask(client, rule="ZZ23-3", date="2025-06-01", fact_investment="8000000").context["answer"]

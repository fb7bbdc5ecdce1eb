"""The catalog as data: every §7 rule loaded into PolicyRuleVersion, idempotently, and the versions
read back from the database quote exactly as the catalog does (every §7 row, its documented answer),
on the command line too."""
import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from subsidies.calculator import DEFAULT_VERSIONS, quote
from subsidies.models import PolicyRuleVersion
from subsidies.rule_catalog import load_rules
from subsidies.selectors.rules import rules_by_document, version_row_for, versions_in_force
from subsidies.tests.test_calculator import SECTION_7_ANSWERS, SECTION_7_CODES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_every_catalog_version_is_a_row_with_its_program():
    rows = list(PolicyRuleVersion.objects.select_related("program"))
    assert {row.code for row in rows} == SECTION_7_CODES
    assert len(rows) == len(DEFAULT_VERSIONS)
    assert all(row.program.code == row.code.split("-")[0] for row in rows)
    xx22 = PolicyRuleVersion.objects.get(code="XX22-3")
    assert (str(xx22.effective_from), str(xx22.effective_to)) == ("2022-01-30", "2024-12-31")
    assert xx22.payees == ["enterprise", "institute"]
    assert PolicyRuleVersion.objects.get(code="ZZ23-3").params == {
        "fact": "investment", "rate": "0.10", "cap": "1000000", "minimum_inclusive": True}


def test_loading_again_changes_nothing():
    before = list(PolicyRuleVersion.objects.order_by("pk").values())
    assert load_rules() == 0
    assert list(PolicyRuleVersion.objects.order_by("pk").values()) == before


def test_database_versions_equal_the_catalog():
    by_code = lambda version: version.code  # noqa: E731
    assert sorted(versions_in_force(), key=by_code) == sorted(DEFAULT_VERSIONS, key=by_code)


def test_versions_in_force_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        versions_in_force()


def test_an_empty_table_falls_back_to_the_catalog():
    PolicyRuleVersion.objects.all().delete()
    assert versions_in_force() == list(DEFAULT_VERSIONS)


@pytest.mark.parametrize("rule, facts, expected", SECTION_7_ANSWERS)
def test_every_section_7_row_from_the_database(rule, facts, expected):
    answer = quote({"rule": rule, "date": "2024-05-10", "facts": facts}, versions_in_force())
    assert {p["payee"]: p["amount"] for p in answer["payouts"]} == expected


def test_the_command_uses_the_database_versions():
    PolicyRuleVersion.objects.filter(code="ZZ23-3").update(params={"fact": "investment", "rate": "0.20", "cap": "5000000"})
    out = io.StringIO()
    request = io.StringIO(json.dumps({"rule": "ZZ23-3", "date": "2024-05-10", "facts": {"investment": "8000000"}}))
    import sys

    previous, sys.stdin = sys.stdin, request
    try:
        call_command("subsidy_quote", "-", stdout=out)
    finally:
        sys.stdin = previous
    assert json.loads(out.getvalue())["payouts"] == [{"payee": "enterprise", "amount": "1600000.00"}]


def test_version_row_for_follows_the_engine_choice():
    assert version_row_for("XX22-3", __import__("datetime").date(2024, 12, 31)).code == "XX22-3"
    assert version_row_for("XX22-3", __import__("datetime").date(2025, 1, 1)) is None


def test_rules_are_grouped_by_document_in_code_order():
    groups = rules_by_document()
    assert len(groups) == 4
    zz23 = next(group for group in groups if group.document.startswith("郑政办〔2023〕"))
    assert [entry.code for entry in zz23.rules][:4] == ["ZZ23-1", "ZZ23-3", "ZZ23-4", "ZZ23-4B"]

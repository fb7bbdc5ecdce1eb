"""The policy calculator engine: every §7 rule, its edges, versions as data, bad input.

Pure functions: no database.
"""
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from subsidies.calculator import (
    DEFAULT_VERSIONS,
    QuoteInputError,
    RuleDefinitionError,
    RuleVersion,
    quote,
    select_version,
)

DAY = "2024-05-10"
SECTION_7_CODES = {
    "ZZ23-1", "ZZ23-3", "ZZ23-4", "ZZ23-4B", "ZZ23-6A", "ZZ23-6B", "ZZ23-7", "ZZ23-8A", "ZZ23-8B",
    "ZZ23-9A", "ZZ23-9B", "XX22-1", "XX22-3", "XX22-5A", "XX22-5B", "XX22-11", "ZZ17-5", "ZZ17-6",
    "ZZ17-10A", "ZZ17-10B", "ZZ17-10C", "ZZ17-10D", "ZZ17-10E", "ZZ17-11", "SJZ22-3", "SJZ22-4",
    "SJZ22-5", "SJZ22-6",
}  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def ask(rule, facts=None, day=DAY, paid=None, versions=None):
    payload = {"rule": rule, "date": day, "facts": facts or {}}
    if paid is not None:
        payload["paid_in_period"] = paid
    return quote(payload, versions)


def paid_out(answer):
    return {payout["payee"]: payout["amount"] for payout in answer["payouts"]}


def assert_not_eligible(answer, reason):
    assert answer["eligible"] is False
    assert answer["payouts"] == []
    assert reason in answer["trace"][-1]


def test_catalog_has_exactly_the_section_7_codes_once_each():
    codes = [version.code for version in DEFAULT_VERSIONS]
    assert sorted(codes) == sorted(SECTION_7_CODES)


def test_section_7_example():
    answer = ask("ZZ23-3", {"investment": "8000000"}, paid="300000")
    assert answer["rule"] == "ZZ23-3"
    assert answer["eligible"] is True
    assert answer["payouts"] == [{"payee": "enterprise", "amount": "700000.00"}]
    assert any("8,000,000.00 元（800 万元）" in step for step in answer["trace"])


# One documented answer per §7 row (§5 amounts in 万元 × 10,000).
SECTION_7_ANSWERS = [
    ("ZZ23-1", {"grade": "excellent", "funding_input": "20000000", "year_index": 1}, {"institute": "8000000.00"}),
    ("ZZ23-1", {"grade": "good", "funding_input": "20000000", "year_index": 2}, {"institute": "5000000.00"}),
    ("ZZ23-1", {"grade": "pass", "funding_input": "20000000", "year_index": 3}, {"institute": "1000000.00"}),
    ("ZZ23-1", {"grade": "excellent", "funding_input": "6000000", "year_index": 1}, {"institute": "3000000.00"}),
    ("ZZ23-3", {"investment": "5000000"}, {"enterprise": "500000.00"}),
    ("ZZ23-4", {"board": "star"}, {"enterprise": "10000000.00"}),
    ("ZZ23-4", {"board": "domestic"}, {"enterprise": "8000000.00"}),
    ("ZZ23-4", {"board": "overseas", "qianqi": False}, {"enterprise": "8000000.00"}),
    ("ZZ23-4", {"board": "neeq", "qianqi": True}, {"enterprise": "1000000.00"}),
    ("ZZ23-4", {"board": "regional", "qianqi": True}, {"enterprise": "100000.00"}),
    ("ZZ23-4B", {"raised": "200000000"}, {"enterprise": "200000.00"}),
    ("ZZ23-6A", {}, {"enterprise": "500000.00"}),
    ("ZZ23-6B", {"sales": "30000000"}, {"institute": "600000.00"}),
    ("ZZ23-7", {"award_amount": "3000000"}, {"institute": "3000000.00"}),
    ("ZZ23-8A", {"level": "gold"}, {"patentee": "500000.00"}),
    ("ZZ23-8A", {"level": "silver"}, {"patentee": "300000.00"}),
    ("ZZ23-8A", {"level": "excellence"}, {"patentee": "200000.00"}),
    ("ZZ23-8A", {"level": "organization"}, {"unit": "200000.00"}),
    ("ZZ23-8B", {"level": "special"}, {"patentee": "300000.00"}),
    ("ZZ23-8B", {"level": "first"}, {"patentee": "200000.00"}),
    ("ZZ23-8B", {"level": "second"}, {"patentee": "100000.00"}),
    ("ZZ23-9A", {"level": "international"}, {"institute": "10000000.00"}),
    ("ZZ23-9A", {"level": "national"}, {"institute": "1000000.00"}),
    ("ZZ23-9A", {"level": "industry"}, {"institute": "800000.00"}),
    ("ZZ23-9B", {"level": "international"}, {"institute": "1000000.00"}),
    ("ZZ23-9B", {"level": "national"}, {"institute": "800000.00"}),
    ("ZZ23-9B", {"level": "industry"}, {"institute": "600000.00"}),
    ("XX22-1", {"year_index": 1}, {"institute": "5000000.00"}),
    ("XX22-1", {"year_index": 3}, {"institute": "5000000.00"}),
    ("XX22-3", {"board": "neeq"}, {"enterprise": "1000000.00", "institute": "250000.00"}),
    ("XX22-3", {"board": "main"}, {"enterprise": "2000000.00", "institute": "500000.00"}),
    ("XX22-5A", {"level": "special"}, {"institute": "2000000.00"}),
    ("XX22-5A", {"level": "first"}, {"institute": "400000.00"}),
    ("XX22-5A", {"level": "second", "first_unit": "enterprise"}, {"enterprise": "200000.00"}),
    ("XX22-5B", {"level": "first"}, {"institute": "150000.00"}),
    ("XX22-5B", {"level": "second"}, {"institute": "50000.00"}),
    ("XX22-5B", {"level": "third", "first_unit": "enterprise"}, {"enterprise": "20000.00"}),
    ("XX22-11", {"revenue": "6000000", "previous_peak_revenue": "0"}, {"enterprise": "50000.00", "institute": "50000.00"}),
    ("ZZ17-5", {"transaction_amount": "2000000"}, {"enterprise": "400000.00"}),
    ("ZZ17-6", {"funds_received": "3000000", "rate": "0.5"}, {"unit": "1500000.00"}),
    ("ZZ17-10A", {}, {"agency": "300000.00"}),
    ("ZZ17-10B", {"level": "municipal"}, {"agency": "500000.00"}),
    ("ZZ17-10B", {"level": "provincial"}, {"agency": "1000000.00"}),
    ("ZZ17-10B", {"level": "national"}, {"agency": "2000000.00"}),
    ("ZZ17-10C", {"contract_amount": "10000000"}, {"agency": "300000.00"}),
    ("ZZ17-10D", {}, {"agency": "500000.00"}),
    ("ZZ17-10E", {"international_amount": "5000000"}, {"agency": "500000.00"}),
    ("ZZ17-11", {"role": "user", "fees": "400000", "rate": "0.25"}, {"unit": "100000.00"}),
    ("ZZ17-11", {"role": "owner", "approved_amount": "150000"}, {"unit": "150000.00"}),
    ("SJZ22-3", {}, {"institute": "200000.00"}),
    ("SJZ22-4", {"grade": "excellent"}, {"institute": "500000.00"}),
    ("SJZ22-5", {}, {"institute": "1000000.00"}),
    ("SJZ22-6", {"approved_amount": "1000000"}, {"institute": "1000000.00"}),
]


@pytest.mark.parametrize("rule, facts, expected", SECTION_7_ANSWERS)
def test_every_section_7_rule_pays_the_documented_amount(rule, facts, expected):
    answer = ask(rule, facts)
    assert answer["eligible"] is True
    assert paid_out(answer) == expected


def test_every_section_7_row_is_covered_by_the_table():
    assert {rule for rule, _facts, _expected in SECTION_7_ANSWERS} == SECTION_7_CODES


# Caps: reached exactly, exceeded, and a partial remainder after paid_in_period.
@pytest.mark.parametrize(
    "rule, facts, paid, expected",
    [
        ("ZZ23-3", {"investment": "10000000"}, None, "1000000.00"),
        ("ZZ23-3", {"investment": "10000000.10"}, None, "1000000.00"),
        ("ZZ23-3", {"investment": "9000000"}, "100000", "900000.00"),
        ("ZZ23-3", {"investment": "9000000"}, "100000.01", "899999.99"),
        ("ZZ23-4B", {"raised": "500000000"}, None, "500000.00"),
        ("ZZ23-4B", {"raised": "900000000"}, None, "500000.00"),
        ("ZZ23-6B", {"sales": "250000000"}, None, "5000000.00"),
        ("ZZ23-6B", {"sales": "300000000"}, "4000000", "1000000.00"),
        ("ZZ23-7", {"award_amount": "10000000"}, None, "10000000.00"),
        ("ZZ23-7", {"award_amount": "12000000"}, None, "10000000.00"),
        ("ZZ23-7", {"award_amount": "12000000"}, "2500000", "7500000.00"),
        ("ZZ23-4", {"board": "star"}, "4000000", "6000000.00"),
        ("ZZ17-5", {"transaction_amount": "5000000"}, None, "1000000.00"),
        ("ZZ17-5", {"transaction_amount": "6000000"}, "700000", "300000.00"),
        ("ZZ17-10C", {"contract_amount": "40000000"}, "999999.99", "0.01"),
        ("ZZ17-10E", {"international_amount": "20000000"}, None, "1000000.00"),
        ("ZZ17-11", {"role": "user", "fees": "1000000", "rate": "0.2"}, None, "200000.00"),
        ("ZZ17-11", {"role": "user", "fees": "1000000", "rate": "0.3"}, "150000", "50000.00"),
        ("ZZ17-11", {"role": "owner", "approved_amount": "250000"}, None, "200000.00"),
        ("ZZ17-11", {"role": "owner", "approved_amount": "80000"}, "120000", "80000.00"),
        ("ZZ17-11", {"role": "owner", "approved_amount": "90000"}, "120000", "80000.00"),
        ("ZZ23-1", {"grade": "good", "funding_input": "30000000", "year_index": 1}, "2000000", "3000000.00"),
        ("XX22-1", {"year_index": 2}, "1000000", "4000000.00"),
    ],
)
def test_caps_and_paid_in_period(rule, facts, paid, expected):
    answer = ask(rule, facts, paid=paid)
    assert answer["eligible"] is True
    assert [payout["amount"] for payout in answer["payouts"]] == [expected]


@pytest.mark.parametrize(
    "rule, facts, paid",
    [
        ("ZZ23-3", {"investment": "5000000"}, "1000000"),
        ("ZZ23-3", {"investment": "5000000"}, "1200000"),
        ("ZZ17-11", {"role": "user", "fees": "100000", "rate": "0.1"}, "200000"),
        ("ZZ23-9A", {"level": "national"}, "1000000"),
    ],
)
def test_cap_used_up_is_not_eligible(rule, facts, paid):
    assert_not_eligible(ask(rule, facts, paid=paid), "nothing is due after the cap")


def test_split_payees_take_paid_in_period_per_payee():
    answer = ask("XX22-3", {"board": "neeq"}, paid={"enterprise": "400000", "institute": "250000"})
    assert paid_out(answer) == {"enterprise": "600000.00"}


def test_split_payees_take_one_amount_for_each_payee():
    answer = ask("XX22-11", {"revenue": "6000000", "previous_peak_revenue": "0"}, paid="20000")
    assert paid_out(answer) == {"enterprise": "30000.00", "institute": "30000.00"}


def test_zz23_1_is_at_most_half_the_funding_input():
    answer = ask("ZZ23-1", {"grade": "good", "funding_input": "10000000", "year_index": 1})
    assert paid_out(answer) == {"institute": "5000000.00"}
    answer = ask("ZZ23-1", {"grade": "good", "funding_input": "9999999.99", "year_index": 1})
    assert paid_out(answer) == {"institute": "5000000.00"}  # 4,999,999.995 rounds half up
    answer = ask("ZZ23-1", {"grade": "good", "funding_input": "9999999.97", "year_index": 1})
    assert paid_out(answer) == {"institute": "4999999.99"}


@pytest.mark.parametrize("year_index", [4, 5])
def test_zz23_1_supports_three_years_only(year_index):
    answer = ask("ZZ23-1", {"grade": "excellent", "funding_input": "20000000", "year_index": year_index})
    assert_not_eligible(answer, "support lasts 3 years")


def test_zz23_1_fail_grade_earns_nothing():
    answer = ask("ZZ23-1", {"grade": "fail", "funding_input": "20000000", "year_index": 1})
    assert_not_eligible(answer, 'grade "Fail" earns no subsidy')


def test_xx22_1_supports_three_years_only():
    assert_not_eligible(ask("XX22-1", {"year_index": 4}), "support lasts 3 years")


@pytest.mark.parametrize("board", ["neeq", "regional"])
def test_zz23_4_neeq_and_regional_need_qianqi(board):
    assert_not_eligible(ask("ZZ23-4", {"board": board, "qianqi": False}), "pays only when The 千企展翼 conditions hold is true")
    with pytest.raises(QuoteInputError, match='needs the fact "qianqi"'):
        ask("ZZ23-4", {"board": board})


@pytest.mark.parametrize("grade", ["good", "pass", "fail"])
def test_sjz22_4_pays_excellent_only(grade):
    assert_not_eligible(ask("SJZ22-4", {"grade": grade}), "earns nothing")


# Thresholds: ZZ23-6B 达到…以上 is inclusive; XX22-11 超过 is strict.
@pytest.mark.parametrize(
    "sales, expected",
    [("20000000", "400000.00"), ("20000000.01", "400000.00"), ("19999999.99", None)],
)
def test_zz23_6b_threshold_is_inclusive(sales, expected):
    answer = ask("ZZ23-6B", {"sales": sales})
    if expected is None:
        assert_not_eligible(answer, "does not reach 20,000,000.00 元")
    else:
        assert paid_out(answer) == {"institute": expected}


@pytest.mark.parametrize(
    "revenue, previous, each",
    [
        ("5000000", "0", None),
        ("5000000.01", "0", "50000.00"),
        ("10000000", "0", "50000.00"),
        ("10000000.01", "0", "150000.00"),
        ("100000000", "0", "150000.00"),
        ("100000000.01", "0", "350000.00"),
        ("100000000.01", "5000000", "350000.00"),
        ("100000000.01", "5000000.01", "300000.00"),
        ("100000000.01", "10000000", "300000.00"),
        ("100000000.01", "10000000.01", "200000.00"),
        ("20000000", "10000000.01", None),
        ("8000000", "12000000", None),
    ],
)
def test_xx22_11_pays_each_threshold_first_exceeded_once(revenue, previous, each):
    answer = ask("XX22-11", {"revenue": revenue, "previous_peak_revenue": previous})
    if each is None:
        assert_not_eligible(answer, "exceeds no threshold")
    else:
        assert paid_out(answer) == {"enterprise": each, "institute": each}


# Effective windows: first day, last day, one day outside.
@pytest.mark.parametrize(
    "rule, facts, day, eligible",
    [
        ("XX22-1", {"year_index": 1}, "2022-01-30", True),
        ("XX22-1", {"year_index": 1}, "2022-01-29", False),
        ("XX22-1", {"year_index": 1}, "2024-12-31", True),
        ("XX22-1", {"year_index": 1}, "2025-01-01", False),
        ("XX22-11", {"revenue": "6000000", "previous_peak_revenue": "0"}, "2025-01-01", False),
        ("ZZ23-6A", {}, "2023-01-20", True),
        ("ZZ23-6A", {}, "2023-01-19", False),
        ("ZZ23-6A", {}, "2030-06-01", True),
        ("ZZ17-10A", {}, "2017-03-17", True),
        ("ZZ17-10A", {}, "2017-03-16", False),
        ("SJZ22-3", {}, "2022-01-19", True),
        ("SJZ22-3", {}, "2022-01-18", False),
    ],
)
def test_effective_windows(rule, facts, day, eligible):
    answer = ask(rule, facts, day=day)
    assert answer["eligible"] is eligible
    if not eligible:
        assert_not_eligible(answer, f"{day} is outside the effective window of {rule}")


# Decimal arithmetic, rounded half up to the fen only at the end.
@pytest.mark.parametrize(
    "rule, facts, expected",
    [
        ("ZZ23-4B", {"raised": "12345"}, "12.35"),  # 12.345
        ("ZZ23-4B", {"raised": "12344"}, "12.34"),  # 12.344
        ("ZZ23-4B", {"raised": "12355"}, "12.36"),  # 12.355: half up, not half even
        ("ZZ23-3", {"investment": "0.05"}, "0.01"),  # 0.005
        ("ZZ23-3", {"investment": "0.04"}, None),  # 0.004 rounds to nothing
        ("ZZ17-6", {"funds_received": "100.01", "rate": "0.333"}, "33.30"),  # 33.30333
        ("ZZ17-6", {"funds_received": "0.03", "rate": "0.5"}, "0.02"),  # 0.015
        ("ZZ17-5", {"transaction_amount": 3333}, "666.60"),
        ("ZZ17-5", {"transaction_amount": Decimal("0.1")}, "0.02"),
    ],
)
def test_decimal_rounding_half_up_at_the_fen(rule, facts, expected):
    answer = ask(rule, facts)
    if expected is None:
        assert_not_eligible(answer, "nothing is due after the cap")
    else:
        assert [payout["amount"] for payout in answer["payouts"]] == [expected]


def test_sjz22_6_above_one_million_needs_staff_override():
    with pytest.raises(QuoteInputError, match="above the guide amount"):
        ask("SJZ22-6", {"approved_amount": "1000000.01"})
    with pytest.raises(QuoteInputError, match="only staff may approve more"):
        ask("SJZ22-6", {"approved_amount": "1200000", "staff_override": False})
    answer = ask("SJZ22-6", {"approved_amount": "1200000", "staff_override": True})
    assert paid_out(answer) == {"institute": "1200000.00"}


@pytest.mark.parametrize("rate", ["0.10", "0.3", "0.2"])
def test_zz17_11_user_rate_range_is_inclusive(rate):
    assert ask("ZZ17-11", {"role": "user", "fees": "100000", "rate": rate})["eligible"] is True


def test_trace_shows_yuan_and_wan_and_the_version():
    answer = ask("ZZ23-1", {"grade": "excellent", "funding_input": "20000000", "year_index": 1})
    trace = "\n".join(answer["trace"])
    assert "郑政办〔2023〕6号" in trace and "五（一）" in trace
    assert "8,000,000.00 元（800 万元）" in trace
    assert answer["trace"][-1] == "Pays the institute 8,000,000.00 元（800 万元）."


def test_trace_is_plain_text_in_any_language():
    with translation.override("zh-hans"):
        answer = ask("ZZ23-3", {"investment": "8000000"})
    assert all(isinstance(step, str) for step in answer["trace"])


# Bad input raises QuoteInputError with a clear message.
def request(rule, facts=None, **extra):
    return {"rule": rule, "date": DAY, "facts": facts or {}, **extra}


GRADE_GOOD = {"grade": "good", "funding_input": "1"}
INVESTMENT = {"investment": "1"}


@pytest.mark.parametrize(
    "payload, message",
    [
        (request("ZZ99-1"), 'Unknown rule "ZZ99-1"'),
        (request("HN23-1"), 'Unknown rule "HN23-1"'),
        ({"date": DAY, "facts": {}}, "missing: rule;"),
        ({"rule": "ZZ23-6A", "facts": {}}, "missing: date;"),
        ({"rule": "ZZ23-6A", "date": DAY, "fact": {}}, "unknown: fact."),
        ({"rule": "ZZ23-6A", "date": "10/05/2024"}, '"date" must be a date written as YYYY-MM-DD'),
        ({"rule": "ZZ23-6A", "date": "2024-02-30"}, '"date" must be a date'),
        ({"rule": "ZZ23-6A", "date": DAY, "facts": []}, '"facts" must be a JSON object'),
        (request("ZZ23-3"), 'Rule ZZ23-3 needs the fact "investment"'),
        (request("ZZ23-3", {"investment": "8,000,000"}), '"investment" must be an amount in yuan'),
        (request("ZZ23-3", {"investment": "abc"}), '"investment" must be an amount'),
        (request("ZZ23-3", {"investment": "NaN"}), '"investment" must be an amount'),
        (request("ZZ23-3", {"investment": 8000000.0}), '"investment" must be an amount'),
        (request("ZZ23-3", {"investment": True}), '"investment" must be an amount'),
        (request("ZZ23-3", {"investment": "-1"}), '"investment" must not be negative'),
        (request("ZZ23-3", {"investment": "1.005"}), "more than two decimal places"),
        (request("ZZ23-3", {"investment": "1E+400"}), '"investment" is too large'),
        (request("ZZ23-3", {"investment": "1000000000000000"}), "below 1,000,000,000,000,000 yuan"),
        (request("ZZ23-3", {**INVESTMENT, "amount": "2"}), "does not use the facts amount"),
        (request("ZZ23-3", INVESTMENT, paid_in_period="-5"), '"paid_in_period" must not be negative'),
        (request("ZZ23-3", INVESTMENT, paid_in_period=1.5), '"paid_in_period" must be an amount'),
        (
            request("ZZ23-3", INVESTMENT, paid_in_period={"institute": "1"}),
            "names payees this rule does not pay: institute",
        ),
        (
            request("XX22-3", {"board": "neeq"}, paid_in_period={"institute": "x"}),
            '"paid_in_period.institute" must be an amount',
        ),
        (request("ZZ23-8A", {"level": "bronze"}), 'Unknown level "bronze" for rule ZZ23-8A; expected one of: gold'),
        (request("ZZ23-1", {**GRADE_GOOD, "grade": "A", "year_index": 1}), 'Unknown grade "A"'),
        (request("ZZ23-1", {**GRADE_GOOD, "year_index": 0}), '"year_index" must be a whole number from 1'),
        (request("ZZ23-1", {**GRADE_GOOD, "year_index": "1.5"}), '"year_index" must be a whole number'),
        (request("ZZ23-4", {"board": "nasdaq"}), 'Unknown board "nasdaq"'),
        (request("ZZ23-4", {"board": "neeq", "qianqi": "yes"}), '"qianqi" must be true or false'),
        (request("ZZ17-6", {"funds_received": "1", "rate": "0.51"}), '"rate" must be a decimal rate from 0 to 0.5'),
        (request("ZZ17-6", {"funds_received": "1", "rate": "-0.1"}), '"rate" must be a decimal rate'),
        (request("ZZ17-11", {"role": "user", "fees": "1", "rate": "0.09"}), '"rate" must be a decimal rate from 0.10 to 0.30'),
        (request("ZZ17-11", {"role": "user", "fees": "1", "rate": "0.31"}), "from 0.10 to 0.30"),
        (request("ZZ17-11", {"role": "renter"}), 'Unknown role "renter"'),
        (request("ZZ17-11", {"role": "owner"}), 'needs the fact "approved_amount"'),
        (request("XX22-5A", {"level": "first", "first_unit": "patentee"}), 'Unknown first_unit "patentee"'),
        (request("XX22-11", {"revenue": "6000000"}), 'needs the fact "previous_peak_revenue"'),
    ],
)
def test_bad_input_raises_a_clear_error(payload, message):
    with pytest.raises(QuoteInputError) as error:
        quote(payload)
    assert message in str(error.value)


def test_a_request_that_is_not_an_object_is_bad_input():
    with pytest.raises(QuoteInputError, match="must be a JSON object"):
        quote(["ZZ23-3"])


def test_python_dates_and_ints_are_accepted():
    answer = quote({"rule": "ZZ23-3", "date": date(2024, 5, 10), "facts": {"investment": 8000000}})
    assert paid_out(answer) == {"enterprise": "800000.00"}


# Rule versions are data: pick by window, from any iterable; staff-defined versions.
def version(code="ZZ23-6A", amount="500000", start=date(2023, 1, 20), end=None, **changes):
    fields = {
        "code": code,
        "document": "郑政办〔2023〕6号",
        "article": "五（六）",
        "title": "Catalogue award",
        "rule_type": "fixed",
        "params": {"amount": amount},
        "payees": ("enterprise",),
        "effective_from": start,
        "effective_to": end,
        "cap_period": "once",
    }
    return RuleVersion(**{**fields, **changes})


def test_a_new_version_supersedes_the_old_from_its_start_and_old_events_keep_the_old():
    versions = [version(amount="500000"), version(amount="800000", start=date(2025, 7, 1))]
    assert paid_out(ask("ZZ23-6A", day="2025-06-30", versions=versions)) == {"enterprise": "500000.00"}
    assert paid_out(ask("ZZ23-6A", day="2025-07-01", versions=versions)) == {"enterprise": "800000.00"}
    assert paid_out(ask("ZZ23-6A", day="2025-07-01", versions=iter(versions))) == {"enterprise": "800000.00"}


def test_catalog_versions_survive_a_json_round_trip_as_a_database_would_store_them():
    for catalog_version in DEFAULT_VERSIONS:
        stored = json.loads(json.dumps(catalog_version.params, default=str))
        assert replace(catalog_version, params=stored) == catalog_version


def test_select_version_picks_the_window_containing_the_day():
    old = version(end=date(2024, 12, 31))
    new = version(amount="700000", start=date(2025, 1, 1))
    assert select_version([old, new], "ZZ23-6A", date(2024, 12, 31)) is old
    assert select_version((v for v in [old, new]), "ZZ23-6A", date(2025, 1, 1)) is new
    assert select_version([old, new], "ZZ23-6A", date(2023, 1, 19)) is None
    assert select_version([old, new], "ZZ23-3", date(2024, 1, 1)) is None


def test_two_versions_starting_the_same_day_are_a_definition_error():
    with pytest.raises(RuleDefinitionError, match="ambiguous"):
        select_version([version(), version(amount="1")], "ZZ23-6A", date(2024, 1, 1))


def test_versions_from_a_database_may_give_amounts_as_strings():
    staff_version = version(
        code="HN23-1",
        rule_type="fixed_by_level",
        params={
            "fact": "level",
            "amounts": {"recognised": {"institute": "5000000"}, "cultivation": {"institute": "1000000.50"}},
        },
        payees=["institute"],
    )
    assert staff_version.params["amounts"]["cultivation"]["institute"] == Decimal("1000000.50")
    answer = ask("HN23-1", {"level": "cultivation"}, versions=[staff_version])
    assert paid_out(answer) == {"institute": "1000000.50"}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"rule_type": "lottery"}, "Unknown rule type 'lottery'"),
        ({"params": {"amount": "-1"}}, "amount must be a non-negative decimal amount"),
        ({"params": {"amount": 0.5}}, "amount must be a non-negative decimal amount"),
        ({"params": {"amount": "1", "cap": "2"}}, "unknown cap."),
        ({"params": {}}, "missing amount,"),
        ({"payees": ()}, "payees must be among"),
        ({"payees": ("bank",)}, "payees must be among"),
        ({"payees": ("enterprise", "institute")}, "pays exactly one payee"),
        ({"cap_period": "month"}, "cap_period must be one of year, once, claim"),
        ({"end": date(2023, 1, 1)}, "ends before it starts"),
        ({"start": "2023-01-20"}, "must be given as dates"),
        ({"code": ""}, "needs a code"),
        (
            {"rule_type": "percentage", "params": {"fact": "sales", "rate": "0.02", "minimum_inclusive": "yes"}},
            "minimum_inclusive must be true or false",
        ),
        (
            {
                "rule_type": "rate_in_range",
                "params": {"fact": "fees", "rate_fact": "rate", "rate_min": "0.3", "rate_max": "0.1"},
            },
            "rate_min must not be above rate_max",
        ),
        (
            {"rule_type": "fixed_by_level", "params": {"fact": "level", "amounts": {"gold": {"patentee": "1"}}}},
            "amounts.gold must map payees among enterprise",
        ),
        (
            {"rule_type": "milestones", "params": {"fact": "revenue", "previous_fact": "peak", "thresholds": []}},
            "non-empty list",
        ),
        (
            {"rule_type": "by_choice", "params": {"fact": "role", "options": {"a": {"rule_type": "nope", "params": {}}}}},
            "Unknown rule type",
        ),
        ({"rule_type": "approved_amount", "params": {"fact": "approved_amount", "maximum": "1"}}, "go together"),
        (
            {"rule_type": "tiered_by_grade", "params": {"tiers": {"a": "1"}, "input_share": "0.5", "years": 0}},
            "years must be a whole number",
        ),
    ],
)
def test_bad_rule_versions_are_rejected(changes, message):
    with pytest.raises(RuleDefinitionError) as error:
        version(**changes)
    assert message in str(error.value)


def test_strict_threshold_percentage_rule_defined_as_data():
    strict = version(
        code="X-1",
        rule_type="percentage",
        params={"fact": "sales", "rate": "0.1", "minimum": "1000", "minimum_inclusive": False},
    )
    assert_not_eligible(ask("X-1", {"sales": "1000"}, versions=[strict]), "does not exceed 1,000.00 元")
    assert paid_out(ask("X-1", {"sales": "1000.01"}, versions=[strict])) == {"enterprise": "100.00"}

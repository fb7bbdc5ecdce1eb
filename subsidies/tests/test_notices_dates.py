import datetime

import pytest

from subsidies.notices.authorities import authority_lines, document_number
from subsidies.notices.dates import chinese_date, chinese_number, chinese_year


@pytest.mark.parametrize(("day", "expected"), [
    (datetime.date(2026, 12, 1), "二〇二六年十二月一日"),
    (datetime.date(2026, 1, 10), "二〇二六年一月十日"),
    (datetime.date(2025, 11, 20), "二〇二五年十一月二十日"),
    (datetime.date(2030, 10, 31), "二〇三〇年十月三十一日"),
    (datetime.date(2024, 2, 29), "二〇二四年二月二十九日"),
    (datetime.date(2001, 3, 15), "二〇〇一年三月十五日"),
])
def test_chinese_date(day, expected):
    assert chinese_date(day) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (22, "二十二"), (30, "三十"), (31, "三十一"),
])
def test_chinese_number(value, expected):
    assert chinese_number(value) == expected


@pytest.mark.parametrize("value", [0, -1, 100])
def test_chinese_number_refuses_out_of_range(value):
    with pytest.raises(ValueError):
        chinese_number(value)


def test_chinese_year_digit_by_digit():
    assert chinese_year(2020) == "二〇二〇"


def test_document_number_uses_hexagonal_brackets():
    assert document_number("郑工信", 2026, 12) == "郑工信〔2026〕12号"


def test_joint_authority_is_one_line_per_bureau():
    assert authority_lines("河南省工业和信息化厅、河南省财政厅") == ["河南省工业和信息化厅", "河南省财政厅"]
    assert authority_lines("郑州市工业和信息化局") == ["郑州市工业和信息化局"]

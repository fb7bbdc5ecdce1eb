"""Amounts in Chinese capital figures (大写), as the payment order and the batch export write them."""
from decimal import Decimal

import pytest

from portal.formatting import capital_yuan


@pytest.mark.parametrize(("amount", "expected"), [
    ("15650000.00", "壹仟伍佰陆拾伍万元整"),  # the example
    ("1001.05", "壹仟零壹元零伍分"),  # zero inside, no 角: 零 before the 分
    ("0", "零元整"),
    ("0.50", "伍角"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("1.20", "壹元贰角"),
    ("10.10", "壹拾元壹角"),
    ("100000", "壹拾万元整"),
    ("101000", "壹拾万壹仟元整"),
    ("1000000", "壹佰万元整"),
    ("10000010", "壹仟万零壹拾元整"),  # a whole empty group of four digits: one 零
    ("1010101.01", "壹佰零壹万零壹佰零壹元零壹分"),
    ("100000000", "壹亿元整"),
    ("1000000001", "壹拾亿零壹元整"),  # eight zeros inside: still one 零
    ("100010000", "壹亿零壹万元整"),
    ("200000000.50", "贰亿元伍角"),
    ("12345678901.23", "壹佰贰拾叁亿肆仟伍佰陆拾柒万捌仟玖佰零壹元贰角叁分"),
    ("8500000.16", "捌佰伍拾万元壹角陆分"),
    ("-3", "负叁元整"),
    ("2.005", "贰元零壹分"),  # rounded half up to the fen first
])
def test_capital_yuan(amount, expected):
    assert capital_yuan(Decimal(amount)) == expected


def test_capital_yuan_refuses_what_it_cannot_write():
    with pytest.raises(ValueError):
        capital_yuan(Decimal("10000000000000000"))

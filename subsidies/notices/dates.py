"""Dates as official documents write them: 二〇二六年十二月一日 (GB/T 9704: the year in full with 〇,
month and day without a leading zero)."""
import datetime

_DIGITS = "〇一二三四五六七八九"


def chinese_number(value: int) -> str:
    """1–31 in Chinese numerals: 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 31 → 三十一."""
    if not 1 <= value <= 99:
        raise ValueError(f"{value} is not a month or a day")
    tens, units = divmod(value, 10)
    if tens == 0:
        return _DIGITS[units]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[units] if units else ''}"


def chinese_year(year: int) -> str:
    """2026 → 二〇二六 (digit by digit)."""
    return "".join(_DIGITS[int(digit)] for digit in str(year))


def chinese_date(day: datetime.date) -> str:
    """datetime.date(2026, 12, 1) → 二〇二六年十二月一日."""
    return f"{chinese_year(day.year)}年{chinese_number(day.month)}月{chinese_number(day.day)}日"

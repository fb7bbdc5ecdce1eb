"""How money and ratios are shown: officials read yuan with two places and 万元."""
from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10000)
FEN = Decimal("0.01")


def yuan(amount: Decimal) -> str:
    return f"{Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP):,} 元"


def wan(amount: Decimal) -> str:
    value = (Decimal(amount) / WAN).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
    return f"{value:,f} 万元"


def yuan_wan(amount: Decimal) -> str:
    """8000000 → "8,000,000.00 元（800 万元）"."""
    return f"{yuan(amount)}（{wan(amount)}）"


def percent(ratio: Decimal) -> str:
    return f"{(Decimal(ratio) * 100).quantize(FEN, rounding=ROUND_HALF_UP)}%"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _four_digits(group: int) -> str:
    """0 < group < 10000 → e.g. 1005 → 壹仟零伍; zeros inside become one 零, trailing zeros nothing."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10 ** position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS[digit] + _SMALL_UNITS[position]
    return text


def capital_yuan(amount: Decimal) -> str:
    """The amount in Chinese capital figures (大写) as a payment order writes it:
    15,650,000.00 → 壹仟伍佰陆拾伍万元整; 1,001.05 → 壹仟零壹元零伍分; 0.50 → 伍角; 100,000,000 →
    壹亿元整; 10,000,010 → 壹仟万零壹拾元整; a negative amount is prefixed with 负."""
    value = Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)
    if value < 0:
        return "负" + capital_yuan(-value)
    fen_total = int(value * 100)
    yuan_part, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan_part >= 10 ** 16:
        raise ValueError("amount too large for Chinese capital figures")
    groups = []
    rest = yuan_part
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    text, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(text)
            continue
        if text and (zero or group < 1000):
            text += "零"
        text += _four_digits(group) + _GROUP_UNITS[index]
        zero = False
    if text:
        text += "元"
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    return text

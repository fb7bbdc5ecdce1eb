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

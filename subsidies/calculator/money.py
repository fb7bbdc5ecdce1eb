"""Money as Decimal yuan: what counts as an amount, and rounding to the fen."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal.formatting import FEN, WAN

ZERO = Decimal(0)
# Far above any subsidy, and small enough that yuan to the fen stay exact in Decimal's 28 digits.
MAX_AMOUNT = Decimal(10) ** 15


def as_decimal(value) -> Decimal | None:
    """The value as a finite Decimal when it is a str, int or Decimal; None otherwise.

    Floats (and bools) are refused: money must not pass through binary floating point.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_fen(amount: Decimal) -> Decimal:
    """Round half up to the fen (0.01 yuan); done once, on the final payouts."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def from_wan(amount: int | str) -> Decimal:
    """Yuan for an amount the documents give in 万元."""
    return Decimal(amount) * WAN

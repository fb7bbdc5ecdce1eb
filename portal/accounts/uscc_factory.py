"""Well-formed 统一社会信用代码 for demo data and tests (not real organisations)."""
from stdnum.cn import uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(region_code: str, serial: int) -> str:
    """'91' (enterprise, industrial & commercial registration) + region + 9-character body + check."""
    body = ""
    for _ in range(9):
        serial, digit = divmod(serial, len(ALPHABET))
        body = ALPHABET[digit] + body
    base = f"91{region_code[:6]}{body}"
    return base + uscc.calc_check_digit(base)

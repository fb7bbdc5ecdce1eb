"""What every CSV and XLSX the portal writes has in common."""

# A text cell starting like a formula is run by a spreadsheet (OWASP "CSV injection"): a payee named
# `=HYPERLINK(...)`, `+`, `-`, `@`, a tab or CR, full-width forms too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_text(value) -> str:
    """`value` as cell text a spreadsheet will not run: a leading apostrophe where it starts like a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text

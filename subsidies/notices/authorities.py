"""Who issues each program's notices, and the abbreviation its document numbers start with.

The authority's full name is `Program.authority` (data, editable in the admin); the abbreviation
(机关代字) is data here, keyed by program code, because the program catalogue has no field for it.
A joint authority ("河南省工业和信息化厅、河南省财政厅") is shown as one line per bureau in the red
header. Document numbers read `<abbreviation>〔<year>〕<serial>号`."""
ABBREVIATIONS = {
    "ZZ23": "郑工信",
    "ZZ17": "郑科",
    "HN23": "豫工信联创新",
    "SJZ22": "石科",
    "XX22": "新工信联",
}
DEFAULT_ABBREVIATION = "工信"


def abbreviation(program) -> str:
    return ABBREVIATIONS.get(program.code, DEFAULT_ABBREVIATION)


def authority_lines(authority: str) -> list[str]:
    """'河南省工业和信息化厅、河南省财政厅' → ['河南省工业和信息化厅', '河南省财政厅']."""
    return [part.strip() for part in authority.replace("，", "、").split("、") if part.strip()]


def document_number(abbr: str, year: int, serial: int) -> str:
    """('郑工信', 2026, 12) → '郑工信〔2026〕12号'."""
    return f"{abbr}〔{year}〕{serial}号"


# Who pays (POLICY.md §5, §6; docs/policy-decisions.md, "Finance"): the finance bureau of the program's
# region. ZZ23/ZZ17 → 郑州市财政局, XX22 → 新乡市财政局, SJZ22 → 石家庄市财政局, HN23 → 河南省财政厅.
# Derived from `Program.region` (a city → its 财政局, a province → its 财政厅), so a new program
# needs no code here.
def paying_authority_name(region) -> str:
    """The paying finance bureau of a program region: 郑州市 → 郑州市财政局, 河南省 → 河南省财政厅."""
    if region is None:
        return ""
    return f"{region.name}{'财政厅' if region.level == 'province' else '财政局'}"

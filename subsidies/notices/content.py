"""What each notice says, read from the database as plain JSON-ready data (strings only).

`build(notice)` returns `(context, subject_ids)`: the context is what the PDF template shows and
what `content_hash` is computed from, so a notice is rendered again exactly when something it
shows changes; `subject_ids` are the rows it reports (entitlements, payout lines), kept on the
notice. LAYOUT is part of the context: bump it when a template changes so every notice is
rendered again on its next refresh."""
import hashlib
import json
import re
from decimal import Decimal

from django.db.models import Q
from django.utils import translation

from institutes.models import AnnualGrade, Grade
from portal.formatting import wan, yuan, yuan_wan

from .authorities import authority_lines
from .dates import chinese_date

LAYOUT = 2
NOTICE_LANGUAGE = "zh-hans"

GRADE_NAMES = {Grade.EXCELLENT: "优秀", Grade.GOOD: "良好", Grade.PASS: "合格", Grade.FAIL: "不合格"}
TEMPLATES = {
    "recognition": "subsidies/pdf/recognition.html",
    "grade_subsidy": "subsidies/pdf/grade_subsidy.html",
    "payout": "subsidies/pdf/payout.html",
}


def content_hash(context: dict) -> str:
    payload = json.dumps(context, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def recognised_as(program) -> str:
    """What the program recognises, without the catalogue's remarks in brackets."""
    plain = re.sub(r"（[^）]*）", "", program.recognises or "").strip()
    return plain or program.name


def title_for(kind: str, program, institute=None, year=None) -> str:
    if kind == "recognition":
        return f"关于认定{institute.name}为{recognised_as(program)}的通知"
    if kind == "grade_subsidy":
        return f"关于{institute.name}{year}年度评价结果及补助资金的通知"
    return f"关于拨付{program.name}补助资金的通知"


# Words a title never breaks inside (longest first); a run longer than this stays breakable so a very
# long institute name still wraps inside the page.
TITLE_WORDS = ("产业技术研究院", "制造业创新中心", "产业研究院", "研究院", "补助资金", "评价结果", "有限公司",
               "股份有限公司", "认定", "拨付", "年度", "通知", "关于")
MAX_RUN = 12
_YEAR = re.compile(r"\d{4}年度?")


def title_runs(title: str, names=()) -> list[str]:
    """The title cut into runs the PDF keeps on one line each: the names given (institute, what the
    program recognises) when short enough, words such as 产业研究院 and years such as 2025年度 whole,
    any other character a run of its own (Chinese may break between any two characters)."""
    keep = sorted({word for word in (*names, *TITLE_WORDS) if word and len(word) <= MAX_RUN}, key=len, reverse=True)
    runs, at = [], 0
    while at < len(title):
        year = _YEAR.match(title, at)
        word = year.group() if year else next((w for w in keep if title.startswith(w, at)), None)
        if word is None and (names_hit := _long_name_at(title, at, names)):
            runs.extend(title_runs(names_hit, ()))  # a long name: only its words kept whole
            at += len(names_hit)
            continue
        word = word or title[at]
        runs.append(word)
        at += len(word)
    return runs


def _long_name_at(title: str, at: int, names) -> str | None:
    return next((name for name in names if name and len(name) > MAX_RUN and title.startswith(name, at)), None)


def _header(notice) -> dict:
    program = notice.program
    return {
        "layout": LAYOUT,
        "kind": notice.kind,
        "authority": notice.authority,
        "authority_lines": authority_lines(notice.authority),
        "document_number": notice.document_number,
        "addressee": notice.organization.name,
        "program_name": program.name,
        "program_document": program.document_number,
        "issued_on": chinese_date(notice.issued_on),
    }


def _money_row(number: int, item: str, basis: str, amount: Decimal) -> list[str]:
    return [str(number), item, basis, yuan(amount), wan(amount)]


def _catalog_version(rule_code: str):
    from subsidies.calculator import DEFAULT_VERSIONS

    return next((version for version in DEFAULT_VERSIONS if version.code == rule_code), None)


def _rule_item(rule_code: str, version) -> tuple[str, str]:
    """(the rule's title in Chinese, its document and article). Catalog titles are stored as their
    English msgids, so the title is translated here (the notice is built under zh_Hans); a line
    without a version of its own names the catalog's rule of its code."""
    version = version or _catalog_version(rule_code)
    if version is None:
        return rule_code, ""
    basis = "".join(part for part in (version.document, version.article) if part)
    title = version.display_title if hasattr(version, "display_title") else str(version.title)
    return (title or rule_code), basis


def recognition(notice) -> tuple[dict, dict]:
    institute = notice.institute
    context = _header(notice) | {
        "title": title_for(notice.kind, notice.program, institute),
        "institute": institute.name,
        "lead_unit": institute.lead_unit.name,
        "industry_field": institute.industry_field.name,
        "recognised_as": recognised_as(notice.program),
        "recognized_on": chinese_date(institute.recognized_on),
        "recognition_document": institute.recognition_document,
    }
    return context, {}


def grade_subsidy(notice) -> tuple[dict, dict]:
    from subsidies.models import Entitlement

    institute = notice.institute
    grade = AnnualGrade.objects.published().get(institute=institute, year=notice.year)
    entitlements = list(
        Entitlement.objects.live()
        .filter(program_id=notice.program_id, payee_id=notice.organization_id, year=notice.year)
        .filter(Q(institute_id=institute.pk) | Q(institute__isnull=True))
        .select_related("rule_version").order_by("rule_code", "pk")
    )
    rows = [_money_row(n, *_rule_item(e.rule_code, e.rule_version), e.amount) for n, e in enumerate(entitlements, 1)]
    total = sum((e.amount for e in entitlements), Decimal("0"))
    context = _header(notice) | {
        "title": title_for(notice.kind, notice.program, institute, notice.year),
        "institute": institute.name,
        "year": str(notice.year),
        "grade": GRADE_NAMES.get(grade.grade, grade.get_grade_display()),
        "score": f"{grade.score}" if grade.score is not None else "",
        "published_on": chinese_date(grade.published_on),
        "rows": rows,
        "total": yuan_wan(total) if rows else "",
    }
    return context, {"entitlement_ids": [e.pk for e in entitlements]}


def payout(notice) -> tuple[dict, dict]:
    from subsidies.models import PayoutLine

    lines = PayoutLine.objects.filter(
        payee_id=notice.organization_id, program_id=notice.program_id, kind=PayoutLine.Kind.PAYOUT,
        state=PayoutLine.State.PAID,
    ).select_related("entitlement__rule_version").order_by("settled_on", "pk")
    if notice.payout_batch_id:
        lines = lines.filter(batch_id=notice.payout_batch_id)
    else:
        lines = lines.filter(pk__in=notice.payout_line_ids)
    lines = list(lines)
    rows = []
    for number, line in enumerate(lines, 1):
        version = line.entitlement.rule_version if line.entitlement_id else None
        item, basis = _rule_item(line.rule_code, version)
        rows.append([str(number), f"{item}（{line.year}年度）", basis, yuan(line.amount), wan(line.amount)])
    total = sum((line.amount for line in lines), Decimal("0"))
    paid_days = sorted({line.settled_on for line in lines if line.settled_on})
    context = _header(notice) | {
        "title": title_for(notice.kind, notice.program),
        "paid_on": chinese_date(paid_days[-1]) if paid_days else "",
        "rows": rows,
        "total": yuan_wan(total),
    }
    return context, {"payout_line_ids": [line.pk for line in lines]}


BUILDERS = {"recognition": recognition, "grade_subsidy": grade_subsidy, "payout": payout}


def build(notice) -> tuple[dict, dict]:
    """An official document is in Chinese whatever the language of the request or worker that builds it."""
    with translation.override(NOTICE_LANGUAGE):
        context, subject_ids = BUILDERS[notice.kind](notice)
    names = [context.get(key, "") for key in ("institute", "recognised_as", "program_name")]
    context["title_runs"] = title_runs(context["title"], names)
    return context, subject_ids

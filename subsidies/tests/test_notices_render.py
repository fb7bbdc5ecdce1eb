"""Each notice kind rendered for real (WeasyPrint) and read back with poppler: the Chinese text is in
the PDF, the page footer counts pages, Noto Serif CJK is embedded and subset, and the file is small."""
import datetime
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from institutes.models import Institute
from subsidies.models import Notice
from subsidies.services import notices as service
from tests.factories import OrganizationFactory, program
from tests.factories_subsidies_notices import batch, entitlement, paid_line, published_grade, recognised

pytestmark = pytest.mark.django_db
MAX_BYTES = 300 * 1024


def pdf_text(notice: Notice) -> str:
    result = subprocess.run(["pdftotext", "-layout", notice.file.path, "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def pdf_fonts(notice: Notice) -> list[list[str]]:
    result = subprocess.run(["pdffonts", notice.file.path], capture_output=True, check=True)
    return [line.split() for line in result.stdout.decode().splitlines()[2:]]


def squeeze(text: str) -> str:
    return "".join(text.split())


def page_count(notice: Notice) -> int:
    info = subprocess.run(["pdfinfo", notice.file.path], capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def assert_official_pdf(notice: Notice, *, pages: int = 1):
    notice.refresh_from_db()
    assert notice.state == Notice.State.RENDERED
    assert notice.size == notice.file.size < MAX_BYTES
    assert page_count(notice) == pages
    text = pdf_text(notice)
    flat = squeeze(text)
    assert squeeze(notice.document_number) in flat
    assert squeeze(notice.title) in flat
    for page in range(1, pages + 1):
        assert f"第 {page} 页 共 {pages} 页" in text
    fonts = pdf_fonts(notice)
    assert fonts, "no font in the PDF"
    for row in fonts:
        name, emb, sub = row[0], row[-5], row[-4]
        assert "Noto-Serif-CJK-SC" in name and "+" in name, row  # a subset (ABCDEF+Name) of the system font
        assert (emb, sub) == ("yes", "yes"), row
    return text, flat


def test_recognition_notice_pdf(django_capture_on_commit_callbacks):
    unit = recognised(OrganizationFactory(name="郑州智能装备有限公司"))
    Institute.objects.filter(pk=unit.pk).update(recognition_document="郑政文〔2026〕88号")
    unit.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notice = service.issue_recognition_notice(unit)
    year = timezone.localdate().year
    assert notice.document_number == f"郑工信〔{year}〕1号"
    text, flat = assert_official_pdf(notice)
    for phrase in ("郑州市工业和信息化局文件", "郑州智能装备有限公司：", f"关于认定{unit.name}为郑州市产业研究院的通知",
                   "特此通知", "郑政办〔2023〕6号", "郑政文〔2026〕88号", "二〇二二年一月一日"):
        assert squeeze(phrase) in flat, phrase
    from subsidies.notices.dates import chinese_date
    assert squeeze(chinese_date(notice.issued_on)) in flat


def test_grade_and_subsidy_notice_pdf_shows_yuan_and_wan(django_capture_on_commit_callbacks):
    unit = recognised()
    published_grade(unit, 2025, "excellent", "93.00")
    entitlement(unit, 2025, "1000000.00")
    entitlement(unit, 2025, "250000.50", rule_code="ZZ23-2")
    entitlement(unit, 2025, "999.00", state="cancelled")  # not shown
    with django_capture_on_commit_callbacks(execute=True):
        notice, created = service.issue_grade_notice(unit, 2025)
    assert created
    text, flat = assert_official_pdf(notice)
    for phrase in ("2025年度评价等次为“优秀”", "93.00", "1,000,000.00元", "100万元", "250,000.50元", "25.0001万元",
                   "合计：1,250,000.50元（125.0001万元）"):
        assert squeeze(phrase) in flat, phrase
    assert "999.00" not in flat
    assert len(notice.entitlement_ids) == 2


def test_joint_authority_header_and_its_own_numbering():
    unit = recognised(code="HN23")
    notice = service.issue_recognition_notice(unit)
    service.render_notice(notice.pk)
    text, flat = assert_official_pdf(notice)
    assert notice.document_number.startswith("豫工信联创新〔")
    assert "河南省工业和信息化厅" in flat and "河南省财政厅" in flat and "文件" in flat


def test_payout_notice_pdf_lists_the_paid_lines_and_counts_pages():
    org = OrganizationFactory(name="新乡材料科技有限公司")
    made = batch()
    for _ in range(45):  # enough lines for five pages, each row naming its rule in Chinese with its document
        paid_line(org, "12345.67", in_batch=made)
    line = paid_line(org, "500000.00", in_batch=made, settled_on=datetime.date(2026, 12, 1))
    notice = service.issue_payout_notice(line)
    service.render_notice(notice.pk)
    text, flat = assert_official_pdf(notice, pages=5)
    assert "科研经费补助" in flat and "Research" not in flat  # the catalog's rule of a line without a version, in Chinese
    total = Decimal("12345.67") * 45 + Decimal("500000")
    for phrase in ("关于拨付郑州市产业研究院补助资金的通知", "已于二〇二六年十二月一日拨付", "500,000.00元", "50万元",
                   f"合计：{total:,}元"):
        assert squeeze(phrase) in flat, phrase
    assert len(notice.payout_line_ids) == 46


def test_unpaid_line_gets_no_payout_notice():
    from portal.workflow import TransitionRefused

    with pytest.raises(TransitionRefused):
        service.issue_payout_notice(paid_line(OrganizationFactory(), state="pending"))
    assert program("ZZ23").pdf_notices.count() == 0

"""Payout batch exports: built by the job into private storage, downloaded through the checked view;
XLSX with Chinese headers, 元 and 万元 (two places), totals per program and district, the batch header
and the total in Chinese capitals; CSV in UTF-8 with BOM; every text cell safe from formulas; USCCs
and account numbers text."""
import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from portal.accounts.models import Region
from subsidies.models import ExportFile, PayeeAccount, PayoutBatch, PayoutLine
from subsidies.services import exports
from tests.factories_subsidies_payouts import finance_user, many_entitlements

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def batch():
    builder = finance_user()
    rows = (many_entitlements(2, code="ZZ23", region_code="410105", state="batched")
            + many_entitlements(1, code="ZZ23", region_code="410102", state="batched")
            + many_entitlements(1, code="ZZ17", region_code="410105", state="batched"))
    amounts = [D("1000000.10"), D("2500000.05"), D("0.01"), D("5000000.00")]
    made = PayoutBatch.objects.create(reference="PB-TEST-1", built_by=builder, state=PayoutBatch.State.APPROVED,
                                      line_count=4, total=sum(amounts), authority=Region.objects.get(code="410100"),
                                      approved_by=finance_user())
    PayoutLine.objects.bulk_create([
        PayoutLine(batch=made, entitlement=e, program_id=e.program_id, payee=e.payee, district=e.payee.region,
                   rule_code=e.rule_code, year=e.year, amount=amount)
        for e, amount in zip(rows, amounts)
    ])
    return made


def request(client, batch, fmt, django_capture_on_commit_callbacks):
    user = finance_user()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("subsidies:batch_export", args=[batch.pk, fmt]))
    assert response.status_code == 302
    export = ExportFile.objects.get(batch=batch, format=fmt)
    assert export.state == ExportFile.State.READY
    assert str(settings.PRIVATE_MEDIA_ROOT) in export.file.path
    download = client.get(reverse("subsidies:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert f'filename="{batch.reference}.{fmt}"' in download["Content-Disposition"]
    return b"".join(download.streaming_content)


def test_csv_is_utf8_with_bom_and_exact_amounts(client, batch, django_capture_on_commit_callbacks):
    content = request(client, batch, "csv", django_capture_on_commit_callbacks)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][1] == "PB-TEST-1" and rows[1][1] == "郑州市财政局"
    assert rows[5][1] == "8,500,000.16" and rows[6][1] == "捌佰伍拾万元壹角陆分"
    header = rows[exports.HEADER_ROWS]
    assert header == exports.headers() and len(header) == 16
    lines = rows[exports.HEADER_ROWS + 1:exports.HEADER_ROWS + 5]
    # by program code, then district (division code order: 中原区 410102 before 金水区 410105), then payee;
    # program names in Chinese
    assert [r[1] for r in lines] == ["郑州市科技成果转移转化", "郑州市产业研究院", "郑州市产业研究院", "郑州市产业研究院"]
    assert [r[2] for r in lines] == ["金水区", "中原区", "金水区", "金水区"]
    assert [r[11] for r in lines] == ["5000000.00", "0.01", "1000000.10", "2500000.05"]
    by_amount = {r[11]: r for r in lines}
    assert by_amount["2500000.05"][12] == "250.00"  # 万元, two places
    assert by_amount["0.01"][12] == "0.00"
    assert all(r[7].isdigit() for r in lines)  # the account in force
    totals = rows[exports.HEADER_ROWS + 6:]
    flat = {(r[0], r[1]): r[2] for r in totals if len(r) >= 3}
    assert flat[("郑州市产业研究院", "金水区")] == "3500000.15"
    assert flat[("郑州市产业研究院", "中原区")] == "0.01"
    assert flat[("郑州市科技成果转移转化", "金水区")] == "5000000.00"
    program_total = [r for r in totals if r[0] == "郑州市产业研究院" and r[1] not in ("金水区", "中原区")]
    assert program_total[0][2] == "3500000.16"
    assert totals[-2][2] == "8500000.16" and totals[-2][3] == "850.00"
    assert totals[-1][1] == "捌佰伍拾万元壹角陆分"


def test_xlsx_has_chinese_headers_and_totals(client, batch, django_capture_on_commit_callbacks):
    content = request(client, batch, "xlsx", django_capture_on_commit_callbacks)
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        names = book.namelist()
        assert "xl/worksheets/sheet1.xml" in names and "xl/worksheets/sheet2.xml" in names
        text = "".join(book.read(n).decode("utf-8") for n in names if n.endswith(".xml"))
    assert "金水区" in text and "中原区" in text
    numbers = re.findall(r"<v>([-0-9.E]+)</v>", text)
    assert "2500000.05" in numbers and "8500000.16" in numbers and "850.00" in numbers and "250.00" in numbers
    assert "捌佰伍拾万元壹角陆分" in text and "郑州市财政局" in text and "郑州市产业研究院" in text


def test_xlsx_headers_are_translated_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        headers = exports.headers()
    assert headers[0] in ("序号", "No.")


def test_export_of_a_draft_batch_is_refused(client, batch):
    PayoutBatch.objects.filter(pk=batch.pk).update(state=PayoutBatch.State.DRAFT)
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("subsidies:batch_export", args=[batch.pk, "csv"]))
    assert not ExportFile.objects.exists()


def test_unknown_format_and_unready_export_are_404(client, batch):
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("subsidies:batch_export", args=[batch.pk, "pdf"])).status_code == 404
    queued = ExportFile.objects.create(batch=batch, format="csv", requested_by=finance_user())
    assert client.get(reverse("subsidies:export_download", args=[queued.pk])).status_code == 404


def test_building_twice_does_nothing_the_second_time(batch):
    export = ExportFile.objects.create(batch=batch, format="csv", requested_by=finance_user())
    assert exports.build(export.pk) == "ready"
    first = ExportFile.objects.get(pk=export.pk).file.name
    assert exports.build(export.pk) == "ready"
    assert ExportFile.objects.get(pk=export.pk).file.name == first


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x.example","y")', "+1+2", "-3", "@SUM(A1)", "\tx", "＝1+1"])
def test_formulas_in_text_cells_are_neutralised_in_csv_and_xlsx(batch, name, tmp_path):
    """Think like the attacker: a payee named like a formula never becomes one in the bank's spreadsheet."""
    from portal.accounts.models import Organization

    payee = PayoutLine.objects.filter(batch=batch).first().payee
    Organization.objects.filter(pk=payee.pk).update(name=name)
    rows = list(csv.reader(io.StringIO(exports.csv_text(batch))))
    payees = [row[3] for row in rows[exports.HEADER_ROWS + 1:exports.HEADER_ROWS + 5]]
    assert f"'{name}" in payees and name not in payees
    path = str(tmp_path / "formula-test.xlsx")
    exports.write_xlsx(batch, path)
    with zipfile.ZipFile(path) as book:
        strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula cell at all
    assert "HYPERLINK" not in sheet or "'" in (strings + sheet)


def test_exports_carry_the_total_in_chinese_capital_figures(batch):
    """The batch total in 大写, as a payment order writes it (会计基础工作规范 第五十二条):
    8,500,000.16 → 捌佰伍拾万元壹角陆分."""
    text = exports.csv_text(batch)
    assert "捌佰伍拾万元壹角陆分" in text

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "\tcmd", "\rcmd", "＝1+1", "＠SUM(A1)"]


@pytest.fixture
def hostile_batch(batch):
    """Payee names, account names and banks that a spreadsheet would run as formulas."""
    lines = list(batch.lines.select_related("payee").order_by("pk"))
    for line, name in zip(lines, HOSTILE):
        line.payee.name = name
        line.payee.save(update_fields=["name"])
    PayeeAccount.objects.filter(organization__payout_lines__batch=batch).update(holder="=1+1", bank="@bank")
    return batch


def test_csv_neutralises_formulas_in_every_text_cell(hostile_batch):
    """导出安全：a payee named =HYPERLINK(...) must not land unescaped in the payout CSV (issue 9)."""
    rows = list(csv.reader(io.StringIO(exports.csv_text(hostile_batch))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r", "＝", "＋", "－", "＠")]
    # negative amounts are numbers, not text: a "-" may only start a number
    assert not [cell for cell in cells if cell.startswith("-") and not re.fullmatch(r"-[0-9.]+", cell)]
    payees = {row[3] for row in rows[exports.HEADER_ROWS + 1:exports.HEADER_ROWS + 5]}
    assert payees == {"'" + name for name in HOSTILE[:4]}
    assert {row[5] for row in rows[exports.HEADER_ROWS + 1:exports.HEADER_ROWS + 5]} == {"'=1+1"}
    assert {row[6] for row in rows[exports.HEADER_ROWS + 1:exports.HEADER_ROWS + 5]} == {"'@bank"}


def test_xlsx_has_no_formula_and_identifiers_are_text(hostile_batch, tmp_path):
    """统一社会信用代码 and 账号 are text cells (never numbers); no cell is a formula."""
    path = tmp_path / "batch.xlsx"
    exports.write_xlsx(hostile_batch, str(path))
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
        shared = book.read("xl/sharedStrings.xml").decode("utf-8") if "xl/sharedStrings.xml" in book.namelist() \
            else ""
    assert "<f>" not in sheet
    uscc = hostile_batch.lines.first().payee.uscc
    account = PayeeAccount.objects.filter(organization__payout_lines__batch=hostile_batch).first().number
    assert f"<v>{uscc}</v>" not in sheet and f"<v>{account}</v>" not in sheet  # not written as numbers
    assert uscc in sheet + shared and account in sheet + shared
    assert "&apos;=HYPERLINK" in sheet + shared or "'=HYPERLINK" in sheet + shared


def test_safe_text_prefixes_formula_characters():
    assert [exports.safe_text(value) for value in HOSTILE] == ["'" + value for value in HOSTILE]
    assert exports.safe_text("郑州智能装备股份有限公司") == "郑州智能装备股份有限公司"
    assert exports.safe_text(None) == ""


def test_xlsx_reads_back_as_the_bank_sees_it(batch, tmp_path):
    """An independent reader (openpyxl) finds the header block, the text identifiers, exact amounts in
    元 and 万元, and the totals sheet with the total in 大写."""
    import openpyxl

    path = tmp_path / "batch.xlsx"
    exports.write_xlsx(batch, str(path))
    book = openpyxl.load_workbook(path)
    lines, totals = book.worksheets
    assert lines["B1"].value == "PB-TEST-1" and lines["A1"].font.b
    header = [cell.value for cell in lines[exports.HEADER_ROWS + 1]]
    assert header == exports.headers()
    first = [cell for cell in lines[exports.HEADER_ROWS + 2]]
    assert first[0].value == 1 and first[4].data_type == "s" and first[4].number_format == "@"
    assert first[7].data_type == "s" and first[7].value.isdigit()
    amounts = sorted(Decimal(str(row[11].value)) for row in lines.iter_rows(min_row=exports.HEADER_ROWS + 2,
                                                                           max_row=exports.HEADER_ROWS + 5))
    assert amounts == [Decimal("0.01"), Decimal("1000000.10"), Decimal("2500000.05"), Decimal("5000000.00")]
    assert lines.cell(exports.HEADER_ROWS + 2, 12).number_format == "#,##0.00"
    last = [[cell.value for cell in row] for row in totals.iter_rows()][-2:]
    assert last[0][0] == "合计" and last[0][2] == 8500000.16 and last[0][3] == 850
    assert last[1] == ["合计（大写）", "捌佰伍拾万元壹角陆分", None, None]

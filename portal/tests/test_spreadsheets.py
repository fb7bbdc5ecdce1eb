"""The streaming XLSX writer: what it writes is read back by openpyxl, an independent reader, cell by
cell, with its types, styles and sheet names; hostile text stays text."""
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from portal.spreadsheets import BOLD, MONEY, PLAIN, TEXT, StreamingWorkbook, column_letters, safe_text


def as_excel_reads(text: str) -> str:
    """ECMA-376 ST_Xstring: Excel turns _xHHHH_ into the character (openpyxl leaves inline strings as written)."""
    return re.sub("_x([0-9A-Fa-f]{4})_", lambda match: chr(int(match.group(1), 16)), text)


def write(path, rows, styles=PLAIN, name="付款明细"):
    with StreamingWorkbook(path) as book:
        sheet = book.add_sheet(name, widths={0: 12, 3: 28})
        for row in rows:
            sheet.write_row(row, styles)
    return openpyxl.load_workbook(path)


def test_cells_round_trip_with_their_types(tmp_path):
    book = write(tmp_path / "a.xlsx", [["序号", "单位", "金额（元）"], [1, "郑州智能装备股份有限公司", Decimal("2500000.05")],
                                       [2, "", Decimal("-0.01")]])
    sheet = book["付款明细"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["序号", "单位", "金额（元）"], [1, "郑州智能装备股份有限公司", 2500000.05], [2, None, -0.01]]
    assert sheet.column_dimensions["A"].width == 12 and sheet.column_dimensions["D"].width == 28


def test_decimals_are_written_with_their_exact_digits(tmp_path):
    path = tmp_path / "d.xlsx"
    write(path, [[Decimal("8500000.16"), Decimal("1E+3"), Decimal("0.10")]])
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>8500000.16</v>" in sheet and "<v>1000</v>" in sheet and "<v>0.10</v>" in sheet
    assert "E+" not in sheet


def test_styles_bold_money_and_text(tmp_path):
    book = write(tmp_path / "s.xlsx", [["合计", Decimal("1.50"), "91410100MA9F4XKQ2P"]], (BOLD, MONEY, TEXT))
    label, amount, code = next(book.active.iter_rows())
    assert label.font.b and not amount.font.b
    assert amount.number_format == "#,##0.00" and code.number_format == "@"
    assert code.data_type == "s"  # a USCC is text, never a number


def test_skipped_rows_keep_their_numbers(tmp_path):
    path = tmp_path / "r.xlsx"
    with StreamingWorkbook(path) as book:
        sheet = book.add_sheet("表")
        assert sheet.write_row(["第一行"]) == 0
        sheet.skip_rows(2)
        assert sheet.write_row(["第四行"]) == 3
    assert openpyxl.load_workbook(path).active["A4"].value == "第四行"


def test_several_sheets_in_order(tmp_path):
    path = tmp_path / "m.xlsx"
    with StreamingWorkbook(path) as book:
        book.add_sheet("付款明细").write_row(["a"])
        book.add_sheet("汇总").write_row(["b"])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["付款明细", "汇总"] and book["汇总"]["A1"].value == "b"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x.example","y")', "<script>&amp;</script>", "a\x00b\x1fc",
                                  "line\r\nbreak", "  padded  ", "_x0041_ stays literal", "＝1+1", "'"])
def test_hostile_text_stays_the_same_text(tmp_path, text):
    """Think like the attacker: markup, control characters, OOXML escapes and formulas are text."""
    path = tmp_path / "h.xlsx"
    write(path, [[safe_text(text)]])
    cell = openpyxl.load_workbook(path).active["A1"]
    assert cell.data_type == "s" and as_excel_reads(cell.value) == safe_text(text)
    with zipfile.ZipFile(path) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_floats_and_booleans_are_refused(tmp_path):
    """Money is Decimal end to end: a float would round 0.1 + 0.2 on the way to the bank."""
    with StreamingWorkbook(tmp_path / "f.xlsx") as book:
        sheet = book.add_sheet("表")
        with pytest.raises(TypeError):
            sheet.write_row([0.1])
        with pytest.raises(TypeError):
            sheet.write_row([True])


@pytest.mark.parametrize("name", ["", "a" * 32, "付款[明细]", "a/b", "a:b"])
def test_unusable_sheet_names_are_refused(tmp_path, name):
    with pytest.raises(ValueError):
        StreamingWorkbook(tmp_path / "n.xlsx").add_sheet(name)


def test_a_cell_over_excels_limit_is_refused(tmp_path):
    with StreamingWorkbook(tmp_path / "l.xlsx") as book:
        with pytest.raises(ValueError):
            book.add_sheet("表").write_row(["字" * 32_768])


def test_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 51, 52, 701, 702)] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]

"""Payout batch exports for the bank and the finance system: XLSX (xlsxwriter, constant-memory mode:
rows are streamed to disk, so 100,000 lines stay far below 150 MB) and CSV (UTF-8 with BOM so Excel
reads the Chinese). Built by a Celery job into private storage; downloaded through a
permission-checked view once ready. Amounts are Decimal end to end: written as text-free numbers
from `Decimal` (xlsxwriter stores the decimal string), never computed in float."""
import csv
import hashlib
import io
import os
import tempfile
from collections import defaultdict
from decimal import Decimal

import xlsxwriter
from django.core.files import File
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.formatting import WAN, capital_yuan
from portal.workflow import transition
from subsidies.calculator.money import to_fen
from subsidies.models import ExportFile, PayoutLine

ZERO = Decimal("0.00")
CHUNK = 5000


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_text(value) -> str:
    """A text cell a spreadsheet will not run: text starting like a formula (a payee named
    `=HYPERLINK(...)`, `+`, `-`, `@`, tab or CR, full-width too) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def headers() -> list[str]:
    return [
        _("No."), _("Program"), _("District"), _("Payee"), _("Unified social credit code"), _("Rule"),
        _("Year"), _("Kind"), _("Amount (yuan)"), _("Amount (10,000 yuan)"), _("Status"), _("Recovers line"),
    ]


def wan_value(amount: Decimal) -> Decimal:
    return (amount / WAN).quantize(Decimal("0.000001"))


def _rows(batch_id: int):
    """(program code, district name, payee, uscc, rule, year, kind, amount, status, recovers) in
    program, district order; read in chunks so memory stays flat."""
    lines = (
        PayoutLine.objects.filter(batch_id=batch_id)
        .order_by("program__code", "district__path", "payee__name", "pk")
        .values_list("pk", "program__code", "district__name", "payee__name", "payee__uscc", "rule_code", "year",
                     "kind", "amount", "state", "recovers_id")
    )
    kinds = {value: str(label) for value, label in PayoutLine.Kind.choices}  # translated once, not per row
    states = {value: str(label) for value, label in PayoutLine.State.choices}
    for row in lines.iterator(chunk_size=CHUNK):
        pk, program, district, payee, uscc, rule, year, kind, amount, state, recovers = row
        yield (safe_text(program), safe_text(district), safe_text(payee), safe_text(uscc), safe_text(rule), year,
               kinds[kind], amount, states[state], recovers or "")


def write_xlsx(batch, path: str) -> None:
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    wan_fmt = workbook.add_format({"num_format": "#,##0.0000##"})
    sheet = workbook.add_worksheet(_("Payout lines"))
    sheet.write_row(0, 0, headers(), bold)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 3, 28)
    sheet.set_column(4, 4, 22)
    sheet.set_column(8, 9, 16)
    by_program, by_district = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    total = ZERO
    row_index = 0
    for row_index, row in enumerate(_rows(batch.pk), start=1):
        program, district, payee, uscc, rule, year, kind, amount, state, recovers = row
        sheet.write_number(row_index, 0, row_index)
        sheet.write_string(row_index, 1, program)
        sheet.write_string(row_index, 2, district)
        sheet.write_string(row_index, 3, payee)
        sheet.write_string(row_index, 4, uscc)
        sheet.write_string(row_index, 5, rule)
        sheet.write_number(row_index, 6, year)
        sheet.write_string(row_index, 7, kind)
        sheet.write_number(row_index, 8, amount, money)  # xlsxwriter writes the Decimal's text
        sheet.write_number(row_index, 9, wan_value(amount), wan_fmt)
        sheet.write_string(row_index, 10, state)
        if recovers:  # recovery lines only: an empty cell costs nothing in constant-memory mode
            sheet.write_number(row_index, 11, recovers)
        by_program[program] += amount
        by_district[(program, district)] += amount
        total += amount
    row_index += 2
    sheet.write_string(row_index, 0, _("Total"), bold)
    sheet.write_number(row_index, 8, to_fen(total), money)
    sheet.write_number(row_index, 9, wan_value(total), wan_fmt)
    sheet.write_string(row_index + 1, 0, _("Total in capital figures"), bold)
    sheet.write_string(row_index + 1, 3, capital_yuan(to_fen(total)))

    totals = workbook.add_worksheet(_("Totals"))
    totals.write_row(0, 0, [_("Program"), _("District"), _("Amount (yuan)"), _("Amount (10,000 yuan)")], bold)
    index = 1
    for program in sorted(by_program):
        for (prog, district), amount in sorted(by_district.items()):
            if prog == program:
                totals.write_row(index, 0, [program, district])
                totals.write_number(index, 2, to_fen(amount), money)
                totals.write_number(index, 3, wan_value(amount), wan_fmt)
                index += 1
        totals.write_string(index, 0, program, bold)
        totals.write_string(index, 1, _("Program total"), bold)
        totals.write_number(index, 2, to_fen(by_program[program]), money)
        totals.write_number(index, 3, wan_value(by_program[program]), wan_fmt)
        index += 1
    totals.write_string(index, 0, _("Total"), bold)
    totals.write_number(index, 2, to_fen(total), money)
    totals.write_number(index, 3, wan_value(total), wan_fmt)
    totals.set_column(0, 1, 24)
    totals.set_column(2, 3, 18)
    workbook.close()


def write_csv(batch, stream) -> None:
    """UTF-8 with BOM; amounts as exact decimal strings; totals per program and district at the end."""
    writer = csv.writer(stream)
    writer.writerow(headers())
    by_program, by_district = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    total = ZERO
    for number, row in enumerate(_rows(batch.pk), start=1):
        program, district, payee, uscc, rule, year, kind, amount, state, recovers = row
        writer.writerow([number, program, district, payee, uscc, rule, year, kind, f"{amount:.2f}",
                         f"{wan_value(amount):f}", state, recovers])
        by_program[program] += amount
        by_district[(program, district)] += amount
        total += amount
    writer.writerow([])
    writer.writerow([_("Program"), _("District"), _("Amount (yuan)"), _("Amount (10,000 yuan)")])
    for (program, district), amount in sorted(by_district.items()):
        writer.writerow([program, district, f"{amount:.2f}", f"{wan_value(amount):f}"])
    for program, amount in sorted(by_program.items()):
        writer.writerow([program, _("Program total"), f"{amount:.2f}", f"{wan_value(amount):f}"])
    writer.writerow([_("Total"), "", f"{total:.2f}", f"{wan_value(total):f}"])
    writer.writerow([_("Total in capital figures"), capital_yuan(to_fen(total))])


def request_export(batch, fmt: str, user) -> ExportFile:
    from subsidies.tasks import build_export

    export = ExportFile.objects.create(batch=batch, format=fmt, requested_by=user)
    transaction.on_commit(lambda: build_export.delay(export.pk))
    return export


def build(export_id: int) -> str:
    """The task's body: write the file once (a redelivered message finds it ready and does nothing)."""
    export = ExportFile.objects.select_related("batch").get(pk=export_id)
    if export.state != ExportFile.State.QUEUED:
        return export.state
    from django.conf import settings

    try:
        with translation.override(settings.LANGUAGE_CODE), tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, export.filename)
            if export.format == ExportFile.Format.XLSX:
                write_xlsx(export.batch, path)
            else:
                with open(path, "w", encoding="utf-8-sig", newline="") as stream:
                    write_csv(export.batch, stream)
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            with open(path, "rb") as handle:
                export.file.save(f"{digest.hexdigest()[:12]}-{export.filename}", File(handle), save=False)
            export.sha256, export.size = digest.hexdigest(), os.path.getsize(path)
            ExportFile.objects.filter(pk=export.pk).update(file=export.file.name, sha256=export.sha256,
                                                           size=export.size)
        transition(export, "finish", None)
    except Exception as error:
        export.refresh_from_db()
        transition(export, "fail", None, comment=str(error)[:2000])
        raise
    return export.state


def csv_text(batch) -> str:
    """The CSV as text (tests, small batches)."""
    stream = io.StringIO()
    write_csv(batch, stream)
    return stream.getvalue()

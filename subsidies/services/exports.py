"""Payout batch exports for the bank and the finance system: XLSX (`portal.spreadsheets.StreamingWorkbook`:
rows are streamed into the zip, so 100,000 lines stay in constant memory and about 6 s) and CSV (UTF-8
with BOM so Excel reads the Chinese). Every text cell is neutralised against spreadsheet formulas
(`safe_text`); USCCs and account numbers are text cells in the XLSX; a batch header (number, paying
authority, 编制人, 审核人, dates, the total in figures and in Chinese capitals) tops both files. Built
by a Celery job into private storage; downloaded through a permission-checked view once ready. Amounts are Decimal end to end: written as numbers from the
`Decimal`'s exact digits, never computed in float."""
import csv
import hashlib
import io
import os
import tempfile
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.files import File
from django.db.models import FilteredRelation, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _, pgettext

from portal.formatting import FEN, WAN, capital_yuan
from portal.outbox.services import enqueue
from portal.spreadsheets import BOLD, MONEY, PLAIN, TEXT, StreamingWorkbook, safe_text
from portal.workflow import transition
from subsidies.calculator.money import to_fen
from subsidies.models import ExportFile, PayeeAccount, PayoutLine

ZERO = Decimal("0.00")
CHUNK = 5000
HEADER_ROWS = 8  # the batch header block above the table (rows 0–6, then a blank row)
BOLD_LABEL_MONEY = (BOLD,) + (PLAIN,) * 10 + (MONEY, MONEY)
TOTAL_STYLES = (PLAIN, PLAIN, MONEY, MONEY)


def headers() -> list[str]:
    return [
        _("No."), _("Program"), _("District"), _("Payee"), _("Unified social credit code"), _("Account name"),
        _("Bank and branch"), _("Account number"), _("Rule"), _("Year"), _("Kind"), _("Amount (yuan)"),
        _("Amount (10,000 yuan)"), _("Status"), _("Voucher number"), _("Recovers line"),
    ]


def wan_value(amount: Decimal) -> Decimal:
    """Yuan → 万元 with two places (ROUND_HALF_UP), as the official tables print it."""
    return (amount / WAN).quantize(FEN, rounding=ROUND_HALF_UP)


def batch_header(batch) -> list[tuple[str, str]]:
    """(label, value) rows above the table: batch number, paying authority, 编制人 (builder), 审核人
    (approver), their dates and the total in figures and in Chinese capitals (大写)."""
    def day(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d") if moment else ""

    return [
        (_("Batch number"), batch.reference),
        (_("Paying authority"), batch.authority_name),
        (_("Prepared by"), str(batch.built_by) if batch.built_by_id else ""),
        (_("Approved by"), str(batch.approved_by) if batch.approved_by_id else ""),
        (_("Dates"), _("prepared %(built)s, approved %(approved)s") % {"built": day(batch.built_at),
                                                                         "approved": day(batch.approved_at) or "—"}),
        (_("Total (yuan)"), f"{to_fen(batch.total):,.2f}"),
        (_("Total in capital figures"), capital_yuan(to_fen(batch.total))),
    ]


def _rows(batch_id: int):
    """(program name, district, payee, uscc, holder, bank, account number, rule, year, kind, amount,
    status, voucher, recovers) in program, district order; text already neutralised; read in chunks
    so memory stays flat. The payee's account is the one in force (at most one, a constraint)."""
    lines = (
        PayoutLine.objects.filter(batch_id=batch_id)
        .annotate(account=FilteredRelation("payee__bank_accounts",
                                           condition=Q(payee__bank_accounts__state=PayeeAccount.State.APPROVED)))
        .order_by("program__code", "district__path", "payee__name", "pk")
        .values_list("program__name", "district__name", "payee__name", "payee__uscc", "account__holder",
                     "account__bank", "account__number", "rule_code", "year", "kind", "amount", "state",
                     "voucher_number", "recovers_id")
    )
    kinds = {value: str(label) for value, label in PayoutLine.Kind.choices}  # translated once, not per row
    states = {value: str(label) for value, label in PayoutLine.State.choices}
    for row in lines.iterator(chunk_size=CHUNK):
        program, district, payee, uscc, holder, bank, number, rule, year, kind, amount, state, voucher, recovers = row
        yield (safe_text(program), safe_text(district), safe_text(payee), safe_text(uscc), safe_text(holder),
               safe_text(bank), safe_text(number), safe_text(rule), year, kinds[kind], amount, states[state],
               safe_text(voucher), recovers or "")


def write_xlsx(batch, path: str) -> None:
    """Two sheets: the header block and the lines (USCCs and account numbers as text cells,
    amounts in 元 and 万元 as exact numbers), then the totals per program and district."""
    line_styles = (PLAIN, PLAIN, PLAIN, PLAIN, TEXT, PLAIN, PLAIN, TEXT, PLAIN, PLAIN, PLAIN, MONEY, MONEY,
                   PLAIN, PLAIN, PLAIN)
    by_program, by_district = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    total = ZERO
    with StreamingWorkbook(path) as book:
        sheet = book.add_sheet(_("Payout lines"), widths={0: 12, 1: 24, 2: 28, 3: 28, 4: 22, 5: 28, 6: 28, 7: 24,
                                                           11: 16, 12: 16})
        header = batch_header(batch)
        for label, value in header:
            sheet.write_row([safe_text(label), safe_text(value)], (BOLD, PLAIN))
        sheet.skip_rows(HEADER_ROWS - len(header))
        sheet.write_row(headers(), BOLD)
        for number, row in enumerate(_rows(batch.pk), start=1):
            program, district, payee, uscc, holder, bank, account, rule, year, kind, amount, state, voucher, recovers = row
            sheet.write_row((number, program, district, payee, uscc, holder, bank, account, rule, year, kind, amount,
                             wan_value(amount), state, voucher, recovers), line_styles)
            by_program[program] += amount
            by_district[(program, district)] += amount
            total += amount
        sheet.skip_rows()
        sheet.write_row([pgettext("money", "Total")] + [None] * 10 + [to_fen(total), wan_value(total)],
                        BOLD_LABEL_MONEY)
        sheet.write_row([_("Total in capital figures"), capital_yuan(to_fen(total))], (BOLD, PLAIN))

        totals = book.add_sheet(_("Totals"), widths={0: 24, 1: 24, 2: 18, 3: 18})
        totals.write_row([_("Program"), _("District"), _("Amount (yuan)"), _("Amount (10,000 yuan)")], BOLD)
        for program in sorted(by_program):
            for (prog, district), amount in sorted(by_district.items()):
                if prog == program:
                    totals.write_row([program, district, to_fen(amount), wan_value(amount)], TOTAL_STYLES)
            totals.write_row([program, _("Program total"), to_fen(by_program[program]), wan_value(by_program[program])],
                             (BOLD, BOLD, MONEY, MONEY))
        totals.write_row([pgettext("money", "Total"), None, to_fen(total), wan_value(total)],
                         (BOLD, PLAIN, MONEY, MONEY))
        totals.write_row([_("Total in capital figures"), capital_yuan(to_fen(total))], (BOLD, PLAIN))


def write_csv(batch, stream) -> None:
    """UTF-8 with BOM; the batch header, then the lines with amounts as exact decimal strings
    (万元 with two places), then totals per program and district and the total in words."""
    writer = csv.writer(stream)
    for label, value in batch_header(batch):
        writer.writerow([safe_text(label), safe_text(value)])
    writer.writerow([])
    writer.writerow(headers())
    by_program, by_district = defaultdict(lambda: ZERO), defaultdict(lambda: ZERO)
    total = ZERO
    for number, row in enumerate(_rows(batch.pk), start=1):
        program, district, payee, uscc, holder, bank, account, rule, year, kind, amount, state, voucher, recovers = row
        writer.writerow([number, program, district, payee, uscc, holder, bank, account, rule, year, kind,
                         f"{amount:.2f}", f"{wan_value(amount):.2f}", state, voucher, recovers])
        by_program[program] += amount
        by_district[(program, district)] += amount
        total += amount
    writer.writerow([])
    writer.writerow([_("Program"), _("District"), _("Amount (yuan)"), _("Amount (10,000 yuan)")])
    for (program, district), amount in sorted(by_district.items()):
        writer.writerow([program, district, f"{amount:.2f}", f"{wan_value(amount):.2f}"])
    for program, amount in sorted(by_program.items()):
        writer.writerow([program, _("Program total"), f"{amount:.2f}", f"{wan_value(amount):.2f}"])
    writer.writerow([pgettext("money", "Total"), "", f"{total:.2f}", f"{wan_value(total):.2f}"])
    writer.writerow([_("Total in capital figures"), capital_yuan(to_fen(total))])


def request_export(batch, fmt: str, user) -> ExportFile:
    from subsidies.tasks import build_export

    export = ExportFile.objects.create(batch=batch, format=fmt, requested_by=user)
    enqueue(build_export, export.pk)
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

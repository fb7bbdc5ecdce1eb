"""The audit trail of a date range as CSV or XLSX, for auditors (docs/operations.md, "Audit trail").

Rows stream from the database in chunks, so a year of events costs constant memory; every text cell
is neutralised against spreadsheet formulas; times are the portal's (Asia/Shanghai)."""
import csv
import datetime
import json

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.spreadsheets import BOLD, StreamingWorkbook, safe_text

from .models import AuditEvent

CHUNK = 5000


def headers() -> list[str]:
    return [_("Time"), _("Actor"), _("Action"), _("Action code"), _("Object type"), _("Object id"),
            _("Object"), _("From state"), _("To state"), _("Comment"), _("Data"), _("IP address"),
            _("User agent")]


def events_between(first: datetime.date, last: datetime.date):
    """The events from the start of `first` to the end of `last`, local days, oldest first."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min))
    return (AuditEvent.objects.filter(created_at__gte=start, created_at__lt=end).order_by("created_at", "pk")
            .values_list("created_at", "actor__username", "action_label", "action", "content_type__app_label",
                         "content_type__model", "object_id", "object_repr", "from_state", "to_state", "comment",
                         "data", "ip_address", "user_agent"))


def rows(first: datetime.date, last: datetime.date):
    for (at, actor, label, action, app, model, object_id, shown, from_state, to_state, comment, data, address,
         agent) in events_between(first, last).iterator(chunk_size=CHUNK):
        yield [timezone.localtime(at).isoformat(timespec="seconds"), safe_text(actor or _("(system)")),
               safe_text(label), safe_text(action), f"{app}.{model}", object_id, safe_text(shown),
               safe_text(from_state), safe_text(to_state), safe_text(comment),
               safe_text(json.dumps(data, ensure_ascii=False, sort_keys=True)), address or "", safe_text(agent)]


def write_csv(first, last, stream) -> int:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese; returns the row count."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(headers())
    count = 0
    for count, row in enumerate(rows(first, last), start=1):
        writer.writerow(row)
    return count


def write_xlsx(first, last, path) -> int:
    count = 0
    with StreamingWorkbook(path) as book:
        sheet = book.add_sheet(_("Audit trail"), widths={0: 22, 1: 16, 2: 24, 6: 32, 9: 40, 10: 40})
        sheet.write_row(headers(), BOLD)
        for count, row in enumerate(rows(first, last), start=1):
            sheet.write_row(row)
    return count


def export(first, last, fmt: str, path) -> int:
    with translation.override("zh-hans"):
        if fmt == "xlsx":
            return write_xlsx(first, last, path)
        with open(path, "w", encoding="utf-8", newline="") as stream:
            return write_csv(first, last, stream)

"""The audit trail of a date range, exported for auditors (issue 10: "export the audit trail for a
date range (CSV/XLSX) for auditors"): local days both included, every text cell safe, Chinese labels."""
import csv
import datetime
import io
import zipfile
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from portal.audit.exports import export
from portal.audit.services import record_event
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def event_at(local: datetime.datetime, **fields):
    with mock.patch("django.utils.timezone.now", return_value=local.replace(tzinfo=SHANGHAI)):
        return record_event(OrganizationFactory(name=fields.pop("name", "郑州某公司")), **fields)


@pytest.fixture
def trail():
    actor = UserFactory(username="finance-li")
    event_at(datetime.datetime(2026, 2, 28, 23, 59), action="before", action_label="前一天")
    event_at(datetime.datetime(2026, 3, 1, 0, 0), action="paid", action_label="已支付", actor=actor,
             from_state="pending", to_state="paid", data={"amount": "100.00"}, comment="=HYPERLINK(\"x\")")
    event_at(datetime.datetime(2026, 3, 31, 23, 59), action="last", action_label="最后一天", name="@SUM(A1)")
    event_at(datetime.datetime(2026, 4, 1, 0, 0), action="after", action_label="后一天")


def read_csv(path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_holds_the_range_local_days_included_and_safe(trail, tmp_path):
    assert export(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), "csv", tmp_path / "a.csv") == 2
    header, first, last = read_csv(tmp_path / "a.csv")
    assert header[:3] == ["时间", "操作人", "操作"]
    assert first[0] == "2026-03-01T00:00:00+08:00" and first[1] == "finance-li" and first[2] == "已支付"
    assert first[9] == "'=HYPERLINK(\"x\")" and first[10] == '{"amount": "100.00"}'
    assert last[6] == "'@SUM(A1)" and last[1] == "（系统）"


def test_xlsx_has_the_same_rows_as_text(trail, tmp_path):
    assert export(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), "xlsx", tmp_path / "a.xlsx") == 2
    with zipfile.ZipFile(tmp_path / "a.xlsx") as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = sheet  # constant_memory writes strings inline
    assert "<f>" not in sheet  # no formula anywhere
    assert "'=HYPERLINK" in strings.replace("&quot;", '"') and "已支付" in strings


def test_the_command_refuses_bad_dates(tmp_path):
    with pytest.raises(CommandError, match="not a date"):
        call_command("export_audit", "--from", "2026-13-01", "--to", "2026-12-31", "--output", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="before"):
        call_command("export_audit", "--from", "2026-12-31", "--to", "2026-01-01", "--output", str(tmp_path / "x"))


def test_the_command_writes_and_counts(trail, tmp_path, capsys):
    call_command("export_audit", "--from", "2026-03-01", "--to", "2026-03-01", "--output", str(tmp_path / "d.csv"))
    assert "1 audit events" in capsys.readouterr().out
    assert len(read_csv(tmp_path / "d.csv")) == 2

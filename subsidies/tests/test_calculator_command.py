"""`manage.py subsidy_quote FILE|-`: JSON answer on stdout; bad input exits non-zero with the
reason on stderr and nothing on stdout. In-process calls read the test database's rule versions
(the catalog, loaded as reference data); the subprocess calls use whatever database is configured,
falling back to the catalog when it has no rule table."""
import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

REQUEST = {"rule": "ZZ23-3", "date": "2024-05-10", "facts": {"investment": "8000000"}, "paid_in_period": "300000"}
pytestmark = pytest.mark.django_db

ANSWER_PAYOUTS = [{"payee": "enterprise", "amount": "700000.00"}]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run_command(*args) -> dict:
    out = io.StringIO()
    call_command("subsidy_quote", *args, stdout=out)
    return json.loads(out.getvalue())


def manage_py(*args, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "subsidy_quote", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def test_reads_a_file_and_prints_the_answer(tmp_path):
    request = tmp_path / "request.json"
    request.write_text(json.dumps(REQUEST), encoding="utf-8")
    answer = run_command(str(request))
    assert answer["rule"] == "ZZ23-3"
    assert answer["eligible"] is True
    assert answer["payouts"] == ANSWER_PAYOUTS


def test_reads_stdin_with_a_dash(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(REQUEST)))
    assert run_command("-")["payouts"] == ANSWER_PAYOUTS


def test_json_numbers_are_read_as_decimals_not_floats(monkeypatch):
    request = '{"rule": "ZZ23-4B", "date": "2024-05-10", "facts": {"raised": 12345.10}}'
    monkeypatch.setattr(sys, "stdin", io.StringIO(request))
    assert run_command("-")["payouts"] == [{"payee": "enterprise", "amount": "12.35"}]


def test_ineligible_is_an_answer_not_an_error(monkeypatch):
    request = '{"rule": "XX22-1", "date": "2025-01-01", "facts": {"year_index": 1}}'
    monkeypatch.setattr(sys, "stdin", io.StringIO(request))
    answer = run_command("-")
    assert answer["eligible"] is False
    assert answer["payouts"] == []
    assert "outside the effective window" in answer["trace"][-1]


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"rule": "ZZ23-3"', "Invalid JSON"),
        ('{"rule": "ZZ23-3", "date": "2024-05-10", "facts": {"investment": NaN}}', "Invalid JSON: NaN"),
        ('["ZZ23-3"]', "must be a JSON object"),
        ('{"rule": "NOPE", "date": "2024-05-10", "facts": {}}', 'Unknown rule "NOPE"'),
        ('{"rule": "ZZ23-3", "date": "2024-05-10", "facts": {}}', 'needs the fact "investment"'),
        ('{"rule": "ZZ23-3", "date": "2024-05-10", "facts": {"investment": "-1"}}', "must not be negative"),
    ],
)
def test_bad_input_is_a_command_error(monkeypatch, text, message):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("subsidy_quote", "-", stdout=out)
    assert out.getvalue() == ""


def test_unreadable_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("subsidy_quote", str(tmp_path / "missing.json"), stdout=io.StringIO())
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("subsidy_quote", str(binary), stdout=io.StringIO())


def test_subprocess_prints_the_answer():
    result = manage_py("-", stdin=json.dumps(REQUEST))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["payouts"] == ANSWER_PAYOUTS
    assert answer["eligible"] is True


@pytest.mark.parametrize(
    "stdin, shown",
    [
        ("not json", "CommandError"),
        ('{"rule": "NOPE", "date": "2024-05-10", "facts": {}}', "NOPE"),
        ('{"rule": "ZZ23-3", "date": "2024-05-10", "facts": {"investment": "-1"}}', "investment"),
    ],
)
def test_subprocess_bad_input_exits_non_zero_with_empty_stdout(stdin, shown):
    result = manage_py("-", stdin=stdin)
    assert result.returncode != 0
    assert result.stdout == ""
    assert shown in result.stderr
    assert "Traceback" not in result.stderr


def test_subprocess_missing_file_exits_non_zero_with_empty_stdout(tmp_path):
    result = manage_py(str(tmp_path / "missing.json"), stdin="")
    assert result.returncode != 0
    assert result.stdout == ""
    assert "missing.json" in result.stderr

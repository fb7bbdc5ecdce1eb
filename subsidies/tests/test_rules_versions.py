"""Program managers add rule versions: validated by the engine's own rule-type checks, windows
that would make the version of an event ambiguous refused, old events keep the old version, and
HN23 (no amounts in its text) gets rules the same way."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from portal.audit.models import AuditEvent
from subsidies.calculator import quote
from subsidies.models import PolicyRuleVersion
from subsidies.selectors.rules import version_row_for, versions_in_force
from subsidies.services import claims as claim_service
from subsidies.services.rules import VersionData, propose_version
from tests.factories_rules import approved_version
from tests.factories import applicant, institute, program, program_manager
from tests.factories_subsidies_claims import claim

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def data(**changes) -> VersionData:
    values = dict(
        code="ZZ23-3", document="郑政办〔2026〕1号", article="五（三）", title="股权融资补贴（新）",
        rule_type="percentage", params={"fact": "investment", "rate": Decimal("0.05"), "cap": "2000000"},
        payees=["enterprise"], cap_period="year", effective_from=D(2026, 1, 1), note="新文件发布",
    )
    values.update(changes)
    return VersionData(**values)


def errors(exc) -> dict:
    return {field: " ".join(messages) for field, messages in exc.value.message_dict.items()}


def test_a_new_version_is_stored_normalised_and_audited():
    manager = program_manager("ZZ23")
    row = propose_version(manager, program("ZZ23"), data())
    assert row.params == {"fact": "investment", "rate": "0.05", "cap": "2000000", "minimum_inclusive": True}
    assert row.created_by == manager and row.program.code == "ZZ23" and row.state == "proposed"
    assert AuditEvent.objects.for_object(row).get().action == "propose_rule_version"


def test_the_new_version_applies_from_its_first_day_and_old_events_keep_the_old():
    approved_version(program_manager("ZZ23"), program("ZZ23"), data(effective_from=D(2026, 1, 1)))
    versions = versions_in_force()

    def pays(day):
        answer = quote({"rule": "ZZ23-3", "date": day, "facts": {"investment": "8000000"}}, versions)
        return answer["payouts"][0]["amount"]

    assert pays("2025-12-31") == "800000.00"  # the old version's last day
    assert pays("2026-01-01") == "400000.00"  # the new version's first day
    assert version_row_for("ZZ23-3", D(2026, 1, 1)).effective_from == D(2026, 1, 1)


def test_a_version_with_an_end_hands_back_to_the_older_one_after_it():
    approved_version(program_manager("ZZ23"), program("ZZ23"), data(effective_from=D(2026, 1, 1), effective_to=D(2026, 6, 30)))
    versions = versions_in_force()
    last = quote({"rule": "ZZ23-3", "date": "2026-06-30", "facts": {"investment": "8000000"}}, versions)
    after = quote({"rule": "ZZ23-3", "date": "2026-07-01", "facts": {"investment": "8000000"}}, versions)
    assert (last["payouts"][0]["amount"], after["payouts"][0]["amount"]) == ("400000.00", "800000.00")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"params": {"fact": "investment"}}, "params", "missing rate"),
    ({"params": {"fact": "investment", "rate": "-0.1"}}, "params", "non-negative"),
    ({"params": {"fact": "investment", "rate": "0.1", "colour": "red"}}, "params", "unknown colour"),
    ({"params": {"fact": "investment", "rate": 0.1}}, "params", "non-negative decimal"),
    ({"payees": ["enterprise", "institute"]}, "params", "exactly one payee"),
    ({"payees": ["bank"]}, "params", "payees must be among"),
    ({"rule_type": "lottery"}, "params", "Unknown rule type"),
    ({"cap_period": "decade"}, "params", "cap_period"),
    ({"effective_to": D(2025, 12, 31)}, "params", "ends before it starts"),
    ({"effective_from": D(2023, 1, 20)}, "effective_from", "ambiguous"),
    ({"code": "XX22-3"}, "code", "ZZ23-"),
    ({"code": "ZZ23-three!"}, "code", "ZZ23-"),
])
def test_bad_versions_are_refused_with_a_clear_message(changes, field, message):
    with pytest.raises(ValidationError) as exc:
        approved_version(program_manager("ZZ23"), program("ZZ23"), data(**changes))
    assert message in errors(exc)[field]
    assert PolicyRuleVersion.objects.filter(code="ZZ23-3").count() == 1


def test_the_errors_are_translated():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        approved_version(program_manager("ZZ23"), program("ZZ23"), data(params={"fact": "investment"}))
    assert "规则参数" in errors(exc)["params"]


def test_only_managers_of_the_program_add_versions():
    with pytest.raises(PermissionDenied):
        approved_version(program_manager("XX22"), program("ZZ23"), data())
    with pytest.raises(PermissionDenied):
        propose_version(applicant(), program("ZZ23"), data())


def test_a_code_of_another_program_cannot_be_taken_over():
    with pytest.raises(ValidationError):
        approved_version(program_manager("ZZ17", "ZZ23"), program("ZZ17"), data(code="ZZ23-3"))


HN23_RULE = dict(
    code="HN23-1", document="豫财科〔2026〕8号 河南省中试基地和产业研究院资金管理办法", article="第五条",
    title="省级产业研究院认定奖励", rule_type="fixed", params={"amount": "3000000"}, payees=["institute"],
    cap_period="once", effective_from=D(2026, 3, 1), note="资金管理办法印发",
)


def test_hn23_rules_are_added_the_same_way_and_can_be_claimed():
    manager = program_manager("HN23")
    row = approved_version(manager, program("HN23"), data(**HN23_RULE))
    assert row.program.code == "HN23"
    answer = quote({"rule": "HN23-1", "date": "2026-03-01", "facts": {}}, versions_in_force())
    assert answer["payouts"] == [{"payee": "institute", "amount": "3000000.00"}]
    before = quote({"rule": "HN23-1", "date": "2026-02-28", "facts": {}}, versions_in_force())
    assert before["eligible"] is False
    user = applicant()
    institute(user.organization, code="HN23")
    item = claim(user, "HN23-1", facts={}, event_date=D(2026, 3, 2))
    assert item.program.code == "HN23"
    assert claim_service.submit_claim(item, user)["payouts"][0]["amount"] == "3000000.00"


def test_hn23_rule_with_a_by_level_type():
    row = approved_version(program_manager("HN23"), program("HN23"), data(
        **{**HN23_RULE, "code": "HN23-2", "rule_type": "fixed_by_level", "payees": ["institute"],
           "params": {"fact": "level", "amounts": {"a": {"institute": "1000000"}, "b": {"institute": "500000"}}}}))
    answer = quote({"rule": "HN23-2", "date": "2026-05-01", "facts": {"level": "b"}}, versions_in_force())
    assert answer["payouts"] == [{"payee": "institute", "amount": "500000.00"}]
    assert row.as_rule_version().kind.facts(row.as_rule_version().params)[0].options == ("a", "b")


def test_a_claim_approved_under_the_old_version_keeps_it():
    manager = program_manager("ZZ23")
    user = applicant()
    old = claim(user, "ZZ23-3", facts={"investment": "8000000"}, event_date=D(2025, 12, 31))
    claim_service.submit_claim(old, user)
    approved_version(manager, program("ZZ23"), data(effective_from=D(2026, 1, 1)))
    old.refresh_from_db()
    claim_service.approve_claim(old, manager)
    old.refresh_from_db()
    assert old.quoted_amount == Decimal("800000.00")
    assert old.rule_version.effective_from == D(2023, 1, 20)

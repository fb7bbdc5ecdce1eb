"""Input validation of the entitlement and payout forms: every refusal leaves the data as it was."""
import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from subsidies.models import Entitlement, EntitlementRun, PayoutBatch, PayoutLine, Recovery, WriteOff
from subsidies.services import payouts
from tests.factories import PDF_BYTES
from tests.factories_subsidies_payouts import batch_with_lines, entitlement, finance_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    user = finance_user()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return user


def test_hold_needs_a_reason(client, finance):
    e = entitlement()
    client.post(reverse("subsidies:entitlement_action", args=[e.pk, "hold"]), {"reason": ""})
    e.refresh_from_db()
    assert e.state == Entitlement.State.COMPUTED
    client.post(reverse("subsidies:entitlement_action", args=[e.pk, "hold"]), {"reason": "资金投入存疑"})
    e.refresh_from_db()
    assert (e.state, e.hold_reason) == (Entitlement.State.HELD, "资金投入存疑")


def test_unknown_entitlement_action_is_refused(client, finance):
    e = entitlement()
    assert client.post(reverse("subsidies:entitlement_action", args=[e.pk, "mark_paid"])).status_code == 403
    assert client.post(reverse("subsidies:entitlement_action", args=[e.pk, "cancel"])).status_code == 403


@pytest.mark.parametrize("data", [
    {"program": "ZZ23", "year": str(timezone.localdate().year + 1)},
    {"program": "ZZ23", "year": "2016"},
    {"program": "ZZ23", "year": "abc"},
    {"program": "HN23", "year": "2024"},   # no yearly rules
    {"program": "NOPE", "year": "2024"},
    {},
])
def test_run_form_refuses_bad_input(client, finance, data):
    response = client.post(reverse("subsidies:run_list"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not EntitlementRun.objects.exists()


def test_bulk_approve_ignores_garbage_and_other_states(client, finance):
    computed, batched = entitlement(), entitlement(state=Entitlement.State.BATCHED)
    client.post(reverse("subsidies:entitlement_bulk_approve"), {"selected": ["x", str(batched.pk), str(computed.pk)]})
    computed.refresh_from_db()
    batched.refresh_from_db()
    assert (computed.state, batched.state) == (Entitlement.State.APPROVED, Entitlement.State.BATCHED)


def test_build_needs_a_choice(client, finance):
    response = client.post(reverse("subsidies:batch_create"), {"title": "空批次"})
    assert response.status_code == 200 and response.context["form"].errors
    computed = entitlement()
    response = client.post(reverse("subsidies:batch_create"), {"entitlements": [computed.pk]})
    assert response.context["form"].errors  # not an approved entitlement: not a valid choice
    assert not PayoutBatch.objects.exists()


def test_failed_line_needs_a_reason_and_paid_date_not_in_future(client, finance):
    batch = batch_with_lines(finance_user(), 1, state=PayoutBatch.State.APPROVED)
    line = batch.lines.get()
    client.post(reverse("subsidies:line_failed", args=[line.pk]), {"reason": ""})
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client.post(reverse("subsidies:line_paid", args=[line.pk]), {"day": tomorrow})
    line.refresh_from_db()
    assert line.state == PayoutLine.State.PENDING


@pytest.mark.parametrize("amount", ["0", "-5", "1000000.001", "999999999", "abc"])
def test_recovery_amount_is_checked(client, finance, amount):
    batch = batch_with_lines(finance_user(), 1, state=PayoutBatch.State.CLOSED, line_state=PayoutLine.State.PAID)
    line = batch.lines.get()
    response = client.post(reverse("subsidies:recovery_create", args=[line.pk]),
                           {"amount": amount, "reason": "追偿"})
    assert response.status_code == 200
    assert not Recovery.objects.exists()


def test_pending_line_cannot_be_recovered(client, finance):
    batch = batch_with_lines(finance_user(), 1, state=PayoutBatch.State.APPROVED)
    assert client.get(reverse("subsidies:recovery_create", args=[batch.lines.get().pk])).status_code == 404


@pytest.mark.parametrize(("upload", "decided_on"), [
    (SimpleUploadedFile("决定.exe", b"MZ\x90\x00"), "2025-01-10"),
    (SimpleUploadedFile("决定.pdf", PDF_BYTES), (timezone.localdate() + datetime.timedelta(days=3)).isoformat()),
    (None, ""),
])
def test_write_off_checks_the_decision(client, finance, upload, decided_on):
    batch = batch_with_lines(finance_user(), 1, state=PayoutBatch.State.CLOSED, line_state=PayoutLine.State.PAID)
    recovery = payouts.record_recovery(batch.lines.get(), finance, amount=Decimal("10.00"), reason="追偿")
    data = {"reason": "不可抗力", "decision_document": "财核〔2025〕1号", "decided_on": decided_on}
    if upload is not None:
        data["decision_file"] = upload
    response = client.post(reverse("subsidies:recovery_write_off", args=[recovery.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not WriteOff.objects.exists()

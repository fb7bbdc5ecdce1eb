"""Marking many lines of a batch paid issues one payout notice per batch and payee, queued once per
transaction, whose job reads the payee's paid lines in one query; "mark all pending paid" works with
Celery running eagerly (no broker)."""
import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse

from portal.notify.models import Notification
from portal.workflow import transition, transition_many
from subsidies import tasks_notices
from subsidies.models import Notice, PayoutBatch, PayoutLine
from subsidies.services import notices as service
from tests.factories import OrganizationFactory, applicant
from tests.factories_subsidies_notices import batch, finance_user, paid_line

DAY = datetime.date(2026, 11, 30)


def pending_lines(org, made, amounts=("100000.00", "200000.00", "300000.00")):
    return [paid_line(org, amount, in_batch=made, state=PayoutLine.State.PENDING) for amount in amounts]


def mark_all_paid(client, made):
    client.force_login(finance_user(), backend="django.contrib.auth.backends.ModelBackend")
    return client.post(reverse("subsidies:batch_mark_all_paid", args=[made.pk]), {"day": DAY.isoformat(), "voucher_number": "记-2026-0001"})


@pytest.mark.django_db
def test_three_lines_of_one_payee_paid_in_one_request_make_one_notice(client, django_capture_on_commit_callbacks):
    org = OrganizationFactory()
    member = applicant(organization=org)
    made = batch()
    lines = pending_lines(org, made)
    with django_capture_on_commit_callbacks(execute=True):
        response = mark_all_paid(client, made)
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert (notice.kind, notice.organization_id, notice.payout_batch_id) == (Notice.Kind.PAYOUT, org.pk, made.pk)
    assert notice.state == Notice.State.RENDERED and notice.render_count == 1
    assert notice.payout_line_ids == [line.pk for line in lines]
    assert len(notice.context["rows"]) == 3
    assert Notification.objects.filter(recipient=member, message__contains=notice.document_number).count() == 1
    paid = Notification.objects.filter(recipient=member).exclude(message__contains=notice.document_number)
    assert [n.message.count("600,000.00 元") for n in paid] == [1]  # one message for the three payments
    made.refresh_from_db()
    assert made.state == PayoutBatch.State.CLOSED


@pytest.mark.django_db(transaction=True)
def test_mark_all_paid_with_eager_celery_and_a_real_commit(client):
    """No test transaction around the request: the on-commit jobs run for real, eagerly."""
    org = OrganizationFactory()
    made = batch()
    lines = pending_lines(org, made)
    other = OrganizationFactory()
    other_line = paid_line(other, in_batch=made, state=PayoutLine.State.PENDING)
    response = mark_all_paid(client, made)
    assert response.status_code == 302
    notices = {notice.organization_id: notice for notice in Notice.objects.all()}
    assert set(notices) == {org.pk, other.pk}
    assert notices[org.pk].payout_line_ids == [line.pk for line in lines]
    assert notices[other.pk].payout_line_ids == [other_line.pk]
    assert {notice.state for notice in notices.values()} == {Notice.State.RENDERED}


@pytest.mark.django_db
def test_one_job_per_batch_and_payee_and_transaction(django_capture_on_commit_callbacks):
    made, first, second = batch(), OrganizationFactory(), OrganizationFactory()
    lines = pending_lines(first, made) + pending_lines(second, made, ("50000.00", "60000.00"))
    lines = list(PayoutLine.objects.filter(pk__in=[line.pk for line in lines]).select_related("batch"))
    with mock.patch.object(tasks_notices.issue_batch_payout_notices, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        transition_many(lines, "mark_paid", finance_user(), day=DAY)
    assert sorted(call.args for call in delay.call_args_list) == sorted([(made.pk, first.pk), (made.pk, second.pk)])


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_swallow_the_job(django_capture_on_commit_callbacks):
    org, made = OrganizationFactory(), batch()
    rolled_back, kept = pending_lines(org, made, ("100000.00", "200000.00"))
    clerk = finance_user()
    with mock.patch.object(tasks_notices.issue_batch_payout_notices, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    transition(rolled_back, "mark_paid", clerk, day=DAY)
                    raise RuntimeError("the bank refused")
            except RuntimeError:
                pass
            transition(kept, "mark_paid", clerk, day=DAY)
    assert [call.args for call in delay.call_args_list] == [(made.pk, org.pk)]


@pytest.mark.django_db
def test_the_job_reads_the_payees_paid_lines_in_one_query(django_assert_num_queries):
    org, made = OrganizationFactory(), batch()
    for amount in ("1.00", "2.00", "3.00", "4.00"):
        paid_line(org, amount, in_batch=made)
    paid_line(org, in_batch=made, state=PayoutLine.State.PENDING)  # not paid yet: not listed
    paid_line(OrganizationFactory(), in_batch=made)  # another payee: its own notice
    service.issue_batch_payout_notices(made.pk, org.pk)
    with django_assert_num_queries(2):  # the paid lines, the existing notice (queued for a refresh)
        notices = service.issue_batch_payout_notices(made.pk, org.pk)
    assert len(notices) == 1 and Notice.objects.count() == 1
    service.render_notice(notices[0].pk)
    notices[0].refresh_from_db()
    assert len(notices[0].payout_line_ids) == 4


@pytest.mark.django_db
def test_a_payee_with_nothing_paid_gets_no_notice():
    org, made = OrganizationFactory(), batch()
    paid_line(org, in_batch=made, state=PayoutLine.State.PENDING)
    assert service.issue_batch_payout_notices(made.pk, org.pk) == []
    assert not Notice.objects.exists()

"""Telling many units at once: one delivery job, a constant number of queries, each message once."""
from unittest import mock

import pytest
from django.core import mail

from portal.notify import tasks
from portal.notify.models import Notification
from portal.notify.services import deliver_many, notify_each
from tests.factories import applicant

pytestmark = pytest.mark.django_db


def test_many_messages_are_one_job(django_capture_on_commit_callbacks):
    users = [applicant() for _ in range(3)]
    with mock.patch.object(tasks.deliver_notifications, "delay") as delay, \
            django_capture_on_commit_callbacks(execute=True):
        notify_each([([user], f"消息{n}", "/", "") for n, user in enumerate(users)] + [([], "无人接收", "/")])
    [(batch,), _kwargs] = delay.call_args
    assert [(ids, text) for ids, text, _url, _key in batch] == [([u.pk], f"消息{n}") for n, u in enumerate(users)]
    assert len({key for *_rest, key in batch}) == 3  # a key of its own for each message


@pytest.mark.parametrize("units", [2, 20])
def test_delivery_costs_the_same_for_2_and_20_units(units, django_assert_num_queries):
    users = [applicant() for _ in range(units)]
    batch = [([user.pk], f"消息{n}", "/", f"key-{n}") for n, user in enumerate(users)]
    with django_assert_num_queries(3):  # already delivered, the recipients, one insert
        assert deliver_many(batch) == units
    assert len(mail.outbox) == units
    assert deliver_many(batch) == 0  # redelivered: nothing twice
    assert Notification.objects.count() == units

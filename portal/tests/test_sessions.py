"""Sessions and the navigation's counts cost no write per page (issue 10: "sessions in the cache backed
by the database (Redis in production), idle expiry without SESSION_SAVE_EVERY_REQUEST writing on every
page; the navigation's per-user counts cached briefly")."""
import time
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.notify.models import Notification
from portal.notify.services import deliver_many, mark_all_read, unread_count
from portal.sessions import REFRESHED_AT
from tests.factories import applicant

pytestmark = pytest.mark.django_db
PAGE = "/notifications/"


def writes(client, path=PAGE) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


@pytest.fixture
def logged_in(client):
    user = applicant()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client, user


def test_pages_write_no_session(logged_in):
    client, _user = logged_in
    assert writes(client) == [] and writes(client) == []


def test_the_session_expiry_moves_on_once_the_refresh_interval_has_passed(logged_in):
    client, _user = logged_in
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    before = Session.objects.get(session_key=key).expire_date
    later = time.time() + settings.SESSION_REFRESH_SECONDS + 1
    with mock.patch("portal.sessions.time.time", return_value=later):
        saved = writes(client)
    assert any("django_session" in sql for sql in saved)
    session = Session.objects.get(session_key=key)
    assert session.expire_date > before and session.get_decoded()[REFRESHED_AT] == int(later)
    assert writes(client) == []  # and not again on the next page


def test_an_idle_session_ends_after_the_cookie_age(logged_in):
    client, _user = logged_in
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date="2000-01-01T00:00:00Z")
    from django.core.cache import cache

    cache.clear()  # what the cache's own expiry (the same cookie age) does
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_unread_count_is_cached_and_follows_new_and_read_notifications(logged_in, django_assert_num_queries):
    client, user = logged_in
    assert unread_count(user) == 0
    with django_assert_num_queries(0):
        assert unread_count(user) == 0
    deliver_many([([user.pk], "新的通知", "", "k-1")])
    assert unread_count(user) == 1
    assert client.get(PAGE).context["unread_notification_count"] == 1
    mark_all_read(user)
    assert unread_count(user) == 0 and Notification.objects.filter(read_at__isnull=True).count() == 0

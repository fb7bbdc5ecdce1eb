"""Structured logs (issue 10: "JSON lines: time, level, request id, user id, client address, path,
status, duration"): one access line a request, its id answered in X-Request-ID and carried by every
other line logged during the request."""
import json
import logging

import pytest
from django.test import override_settings

from portal.logs import JsonFormatter, RequestContextFilter
from tests.factories import applicant

pytestmark = pytest.mark.django_db


def access_lines(caplog):
    return [record for record in caplog.records if record.name == "portal.request"]


def test_one_access_line_with_the_request_fields(client, caplog):
    user = applicant()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    with caplog.at_level(logging.INFO, logger="portal.request"):
        response = client.get("/", REMOTE_ADDR="198.51.100.4")
    (line,) = access_lines(caplog)
    assert line.status == response.status_code and line.path == "/" and line.method == "GET"
    assert line.duration_ms >= 0
    assert line.request_id == response["X-Request-ID"] and len(line.request_id) == 32
    assert line.user_id == user.pk and line.client == "198.51.100.4"


def test_a_public_page_logs_no_user_and_costs_no_query_for_it(client, caplog, django_assert_num_queries):
    with caplog.at_level(logging.INFO, logger="portal.request"), django_assert_num_queries(0):
        client.get("/static/does-not-exist.css")
    (line,) = access_lines(caplog)
    assert line.user_id is None and line.status == 404


@override_settings(TRUSTED_PROXIES=[])
def test_a_request_id_from_an_untrusted_client_is_replaced(client):
    response = client.get("/", HTTP_X_REQUEST_ID="forged-id-from-client")
    assert response["X-Request-ID"] != "forged-id-from-client"


@override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
def test_the_trusted_proxys_request_id_is_kept(client):
    response = client.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    assert response["X-Request-ID"] == "0123456789abcdef0123456789abcdef"


def test_json_formatter_writes_one_object_with_the_context():
    record = logging.LogRecord("portal.x", logging.WARNING, __file__, 1, "付款 %s", ("失败",), None)
    RequestContextFilter().filter(record)
    record.request_id, record.user_id = "abc12345", 7
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "付款 失败" and line["level"] == "WARNING" and line["request_id"] == "abc12345"
    assert line["user_id"] == 7 and line["time"].endswith("+00:00")
    assert "\n" not in JsonFormatter().format(record)

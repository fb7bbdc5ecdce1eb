"""Redis stopped → pages still render (issue 10, "Faults"): the cache answers a miss and skips writes
instead of raising, so sessions fall back to the database and counts to a query."""
import logging
import socket

import pytest
from django.core.cache import caches
from django.test import override_settings

from portal.cache import ResilientRedisCache
from tests.factories import applicant


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens here once the probe is closed


DEAD_REDIS = {"default": {"BACKEND": "portal.cache.ResilientRedisCache",
                          "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                          "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}


def test_every_operation_degrades_to_a_miss(caplog):
    cache = ResilientRedisCache(DEAD_REDIS["default"]["LOCATION"], {"OPTIONS": DEAD_REDIS["default"]["OPTIONS"]})
    ResilientRedisCache._warned_at = 0.0
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        assert cache.get("k", "default") == "default"
        assert cache.get_many(["a", "b"]) == {}
        assert cache.add("k", 1) is False and cache.has_key("k") is False
        cache.set("k", 1)
        cache.delete("k")
        cache.delete_many(["a"])
        with pytest.raises(ValueError):
            cache.incr("k")
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1  # one warning, not one a call
    assert "Redis unavailable" in caplog.records[0].message


@pytest.mark.django_db
def test_a_logged_in_page_renders_with_redis_down(client):
    with override_settings(CACHES=DEAD_REDIS):
        assert isinstance(caches["default"], ResilientRedisCache)
        client.force_login(applicant(), backend="django.contrib.auth.backends.ModelBackend")
        response = client.get("/notifications/")
        assert response.status_code == 200
        assert response.context["unread_notification_count"] == 0
        assert client.get("/notifications/").status_code == 200  # the session read back from the database

"""X-Forwarded-For is believed only from TRUSTED_PROXIES (issue 10: "the client address comes from
X-Forwarded-For only when the request comes from an address in TRUSTED_PROXIES … Without
TRUSTED_PROXIES the header is ignored"); audit events and login throttling use that address."""
import pytest
from axes.models import AccessAttempt
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse

from portal.proxies import TrustedProxyMiddleware, forwarded_client, trusted_networks

PROXY = "10.0.0.5"
NETWORKS = trusted_networks(["10.0.0.0/24", "::1"])


@pytest.mark.parametrize(("remote", "header", "client"), [
    (PROXY, "203.0.113.7", "203.0.113.7"),
    (PROXY, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left entry is the client's own claim
    (PROXY, "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # a second trusted proxy in the chain is skipped
    (PROXY, "", None),
    (PROXY, "not-an-address", None),
    (PROXY, "10.0.0.9", None),  # only proxies: the peer stays the address
    ("198.51.100.1", "203.0.113.7", None),  # an untrusted peer's header is never believed
    ("::1", "2001:db8::1", "2001:db8::1"),
])
def test_forwarded_client(remote, header, client):
    assert forwarded_client(remote, header, NETWORKS) == client


def test_a_bad_trusted_proxies_entry_stops_the_start():
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        trusted_networks(["10.0.0.0/33"])


def through_middleware(remote, **headers):
    seen = {}

    def view(request):
        seen.update(remote=request.META["REMOTE_ADDR"], secure=request.is_secure(),
                    forwarded="HTTP_X_FORWARDED_FOR" in request.META)
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))
    return seen


@override_settings(TRUSTED_PROXIES=[], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_without_trusted_proxies_forged_headers_are_dropped():
    seen = through_middleware("198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https")
    assert seen == {"remote": "198.51.100.1", "secure": False, "forwarded": False}


@override_settings(TRUSTED_PROXIES=["10.0.0.0/24"], SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_from_a_trusted_proxy_the_client_and_scheme_are_believed():
    seen = through_middleware(PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7", HTTP_X_FORWARDED_PROTO="https")
    assert seen == {"remote": "203.0.113.7", "secure": True, "forwarded": True}


def failed_login(client, **headers):
    client.post(reverse("login"), {"username": "nobody", "password": "wrong"}, **headers)
    return list(AccessAttempt.objects.values_list("ip_address", flat=True))


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["10.0.0.0/24"])
def test_login_throttling_counts_the_forwarded_client(client):
    assert failed_login(client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7") == ["203.0.113.7"]


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=[])
def test_login_throttling_ignores_a_forged_header(client):
    assert failed_login(client, REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.7") == ["198.51.100.1"]

"""The client's address behind the documented reverse proxy (docs/operations.md, TRUSTED_PROXIES).

`X-Forwarded-For` and `X-Forwarded-Proto` are believed only when the request comes from an address
in settings.TRUSTED_PROXIES (addresses or networks, comma-separated in the environment); otherwise
they are removed before anything reads them, so a client cannot forge its address (audit events, the
objection rate limit, login throttling) or claim HTTPS. Behind a chain of trusted proxies the client
is the right-most address of `X-Forwarded-For` that is not itself a trusted proxy."""
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_FORWARDED_PORT", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_X_REQUEST_ID")


def trusted_networks(entries) -> tuple:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {error}") from error


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def forwarded_client(remote_addr: str, forwarded_for: str, networks) -> str | None:
    """The client address `forwarded_for` names for a request from `remote_addr`, or None when the
    header is not to be believed (untrusted peer, or a forged, unparsable entry where the client
    should be)."""
    if not _trusted(_address(remote_addr), networks):
        return None
    for entry in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        address = _address(entry)
        if address is None:
            return None
        if not _trusted(address, networks):
            return str(address)
    return None


class TrustedProxyMiddleware:
    """First in the middleware: REMOTE_ADDR becomes the forwarded client when a trusted proxy sent the
    request; from anyone else the forwarding headers are dropped."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = trusted_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        client = forwarded_client(meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""), self.networks)
        if client is None:
            if not _trusted(_address(meta.get("REMOTE_ADDR", "")), self.networks):
                for header in FORWARDED_HEADERS:
                    meta.pop(header, None)
        else:
            meta["REMOTE_ADDR"] = client
        return self.get_response(request)

"""Sessions that do not cost a database write per page (docs/operations.md, "Sessions").

Sessions live in the cache, backed by the database (`cached_db`: Redis in production), and are saved
only when they change. Idle expiry still holds: this middleware marks the session changed at most once
every SESSION_REFRESH_SECONDS, and each save moves the server-side expiry SESSION_COOKIE_AGE ahead, so
a session ends between SESSION_COOKIE_AGE − SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE after the
last page its user opened (1 h 55 min – 2 h by default)."""
import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESHED_AT = "_refreshed_at"


@receiver(user_logged_in)
def _refreshed_by_login(sender, request, user, **kwargs):
    """Logging in saves the session anyway: the first page after it needs no save of its own."""
    if getattr(request, "session", None) is not None:
        request.session[REFRESHED_AT] = int(time.time())


class IdleExpiryMiddleware:
    """After SessionMiddleware and AuthenticationMiddleware: its response phase runs before the
    session is saved. Touches only a logged-in session the request has already loaded."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(REFRESHED_AT, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_AT] = now
        return response

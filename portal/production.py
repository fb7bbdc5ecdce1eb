"""Production refuses to run on development fallbacks (docs/operations.md, "Environment").

With DEBUG off the settings still import without SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL
and PRIVATE_MEDIA_ROOT, so build steps that need none of them (`collectstatic`) work on a build
machine. What serves or changes data refuses instead: the WSGI application and the Celery worker and
beat do not start, and the system check (run by `check`, `migrate`, `runserver` and most commands;
`collectstatic` runs only the static-files checks) reports error portal.E001.

Warning portal.W001: with DEBUG off and no TRUSTED_PROXIES, the forwarding headers are ignored, so
behind a reverse proxy every request's client address is the proxy's (audit trail, login throttling
and the objection rate limit all see one client) and every request looks like plain HTTP."""
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def missing_message() -> str | None:
    missing = getattr(settings, "MISSING_IN_PRODUCTION", [])
    if not missing:
        return None
    return f"{', '.join(missing)} must be set when DEBUG is off (see docs/operations.md)"


def require_production_settings() -> None:
    message = missing_message()
    if message:
        raise ImproperlyConfigured(message)


@checks.register()
def production_settings_check(app_configs, **kwargs):
    message = missing_message()
    return [checks.Error(message, id="portal.E001")] if message else []


@checks.register(checks.Tags.security, deploy=True)
def trusted_proxies_check(app_configs, **kwargs):
    if settings.DEBUG or settings.TRUSTED_PROXIES:
        return []
    return [checks.Warning(
        "TRUSTED_PROXIES is not set: X-Forwarded-For and X-Forwarded-Proto are ignored, so behind a "
        "reverse proxy every client address is the proxy's (audit trail, login throttling, objection "
        "limits) and every request looks like plain HTTP.",
        hint="Set TRUSTED_PROXIES to the proxy's address(es), e.g. 127.0.0.1 for nginx on this host "
             "(docs/operations.md › Client addresses behind the proxy).",
        id="portal.W001",
    )]

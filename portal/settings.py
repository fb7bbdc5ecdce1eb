"""One settings module, configured from the environment (12-factor).

Without any environment the portal runs for development: SQLite, eager Celery, console email.
Production sets DEBUG=0 and then must set SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and
PRIVATE_MEDIA_ROOT (or, with PRIVATE_STORAGE=s3, AWS_STORAGE_BUCKET_NAME) (it refuses to start
without them); every variable is listed in
deploy/portal.env.example and docs/operations.md.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# Where the private files live: "local" (PRIVATE_MEDIA_ROOT) or "s3" (an S3-compatible object store).
PRIVATE_STORAGE = os.environ.get("PRIVATE_STORAGE", "").strip().lower() or "local"
if PRIVATE_STORAGE not in ("local", "s3"):
    raise ImproperlyConfigured(f"PRIVATE_STORAGE is {PRIVATE_STORAGE!r}: set it to local (the default) or s3.")
# Without these a production portal would run on development fallbacks (a public key, SQLite in
# the checkout, eager tasks, attachments inside the checkout) or answer 400 to every request. The
# settings still import (collectstatic needs none of them); portal.production refuses to serve.
REQUIRED_IN_PRODUCTION = ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
                          "PRIVATE_MEDIA_ROOT" if PRIVATE_STORAGE == "local" else "AWS_STORAGE_BUCKET_NAME"]
MISSING_IN_PRODUCTION = [] if DEBUG else [
    name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name, "").strip()
]
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The reverse proxies whose X-Forwarded-For/-Proto are believed (addresses or networks); none by default.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "portal.accounts",
    "portal.audit",
    "portal.notify",
    "portal.dashboard",
    "portal.workdays",
    "portal.ops",
    "portal.outbox",
    "institutes",
    "reviews",
    "subsidies",
    "demo",
]

MIDDLEWARE = [
    "portal.proxies.TrustedProxyMiddleware",  # first: everything after reads the real client address
    "portal.logs.RequestLogMiddleware",  # times the whole request, one access line, X-Request-ID
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.sessions.IdleExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Development tools are active only with DEBUG on, whatever is installed. django-zeal (a
# development dependency) reports N+1 queries: logged in development, raised in tests.
if DEBUG:
    try:
        import zeal  # noqa: F401
    except ImportError:
        pass
    else:
        INSTALLED_APPS.append("zeal")
        MIDDLEWARE.append("zeal.middleware.zeal_middleware")
ZEAL_RAISE = False
# Logging in re-reads the session by design (cycle_key); that is not an N+1.
# Django's model formsets validate each bound row's hidden id with one get(): bounded by the rows
# on the form (a handful), not by the data, so the application form's inline rows are allowed.
ZEAL_ALLOWLIST = [
    {"model": "sessions.Session"},
    # Content types are cached after the first lookup; a cold cache reads each model's once.
    {"model": "contenttypes.ContentType"},
    {"model": "institutes.ApplicationYear"},
    {"model": "institutes.IntellectualProperty"},
    {"model": "institutes.ParticipatingUnit"},
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.notify.context_processors.unread_notifications",
            ],
            "libraries": {"portal_tags": "portal.templatetags.portal_tags"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: an account is locked for one hour after 5 failures from whatever addresses
# they came; an address + browser that fails 5 times (on any accounts) is locked too. Offices
# share NAT addresses, so an address alone does not lock everyone behind it.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "user_agent"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Sessions end after two hours of inactivity and when the browser closes. They are read from the
# cache (Redis in production) and written only when they change; portal.sessions moves the idle
# expiry on at most every SESSION_REFRESH_SECONDS, not with a write on every page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 2 * 60 * 60))
SESSION_REFRESH_SECONDS = int(os.environ.get("SESSION_REFRESH_SECONDS", 5 * 60))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Attachments, evidence, PDF notices and exports (portal.storage): never public, served only
    # by permission-checked views.
    "private": {"BACKEND": "portal.storage.LocalPrivateStorage"},
}
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))


def private_s3_storage(environ) -> dict:
    """STORAGES["private"] on an S3-compatible store, from environment variables. Credentials unset →
    boto3's own chain (an instance role, ~/.aws); the endpoint unset → AWS itself."""
    return {"BACKEND": "portal.storage_s3.PrivateS3Storage", "OPTIONS": {
        "bucket_name": environ.get("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        # "path" for MinIO and most on-premises stores; "virtual" for AWS and most cloud OSS.
        "addressing_style": environ.get("AWS_S3_ADDRESSING_STYLE") or None,
        "location": environ.get("AWS_LOCATION", ""),  # a key prefix inside the bucket
        "verify": environ.get("AWS_S3_CA_BUNDLE") or None,  # a private CA's certificate file
    }}


if PRIVATE_STORAGE == "s3":
    STORAGES["private"] = private_s3_storage(os.environ)

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
# The government mail relay usually wants an account and STARTTLS (port 587) or TLS (465).
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL (TLS, port 465), not both.")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 10))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")

REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A Redis that accepts connections and never answers must not hang a sender (a web request, the
# health check's ping) for ever; the worker's own BRPOP polls every second, well inside.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 30, "socket_connect_timeout": 5}
# A worker killed mid-job (SIGKILL, power loss) never acks: Redis hands the job to another worker
# after this many seconds. Longer than the longest job (the yearly run, a PDF, an export), which
# run twice harmlessly anyway (each task is idempotent).
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 3600))
# Jobs are written to the outbox (portal.outbox) and published after commit; while the broker is
# down a thread in each worker publishes what waits every OUTBOX_RELAY_SECONDS (0: no thread).
OUTBOX_RELAY_SECONDS = float(os.environ.get("OUTBOX_RELAY_SECONDS", 5))
CELERY_TIMEZONE = TIME_ZONE
# Two queues (docs/operations.md › Celery queues): "celery", the default, for the quick jobs
# (notifications, issuing notices, the daily jobs), and "heavy" for PDF rendering, payout exports and
# the yearly entitlement runs, so a long batch never delays a notification. A worker started without
# -Q consumes both; /healthz reports celery_worker unavailable while either has no worker.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(CELERY_TASK_DEFAULT_QUEUE), Queue("heavy")]
CELERY_TASK_ROUTES = {
    "subsidies.tasks_notices.render_notice": {"queue": "heavy"},
    "subsidies.tasks.build_export": {"queue": "heavy"},
    "subsidies.tasks.run_entitlements": {"queue": "heavy"},
}
# Celery autodiscovers each app's tasks.py; these task modules live beside it.
CELERY_IMPORTS = ["subsidies.tasks_notices"]
CELERY_BEAT_SCHEDULE = {
    "close-ended-notices": {"task": "reviews.tasks.close_ended_notices", "schedule": crontab(hour=0, minute=10)},
    "cancel-lapsed-cultivation": {
        "task": "reviews.tasks.cancel_lapsed_cultivation", "schedule": crontab(hour=0, minute=20),
    },
    "cancel-overdue-revisions": {
        "task": "institutes.tasks.cancel_overdue_revisions",
        "schedule": crontab(hour=0, minute=30),
    },
    "annual-report-jobs": {"task": "institutes.tasks.annual_report_jobs", "schedule": crontab(hour=7, minute=0)},
    # Last year's entitlements, monthly (grades and reports published or corrected since are picked up).
    "queue-yearly-entitlements": {
        "task": "subsidies.tasks.queue_yearly_entitlements", "schedule": crontab(day_of_month=1, hour=2, minute=0),
    },
}

# The cache may have a Redis database of its own (so it can be flushed without touching the queues).
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
if CACHE_URL:
    # A Redis outage is a cache miss, not an error page (portal.cache); short timeouts keep it short.
    CACHES = {"default": {
        "BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Production hardening: on whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Monitors probe the health check on the application server itself, over plain HTTP on loopback;
# it sets no cookie and shows no data, so it answers there instead of redirecting to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# JSON lines in production (time, level, request id, user id, client, path, status, duration), plain
# text in development; LOG_FORMAT=json|plain overrides.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "portal.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "portal.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["request"],
                    "formatter": "json" if LOG_FORMAT == "json" else "plain"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The access line is portal.request's; Django's own would say the same again.
    "loggers": {"django.server": {"level": "WARNING"}},
}

# Roles are Django groups; their names are stable identifiers used across the code.
ROLE_LABELS = {
    "applicant": _("Applicant"),
    "district": _("District bureau"),
    "program_manager": _("Program manager"),
    "expert": _("Expert"),
    "finance": _("Finance"),
}

# Used to build absolute links in emails.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

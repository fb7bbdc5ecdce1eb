"""Structured logs: one JSON object a line (docs/operations.md, "Logs").

Every line carries the request it belongs to — request id, user id, client address — through a
context variable the request middleware sets, so a view's or a library's own log lines can be joined
to the request's access line (method, path, status, duration)."""
import contextvars
import datetime
import json
import logging
import re
import time
import uuid

from django.utils.functional import empty

REQUEST = contextvars.ContextVar("portal_request", default=None)
CONTEXT_FIELDS = ("request_id", "user_id", "client", "method", "path", "status", "duration_ms")
# An id a trusted proxy passes on (nginx $request_id is 32 hex digits); anything else is replaced.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")

access_log = logging.getLogger("portal.request")


class RequestContextFilter(logging.Filter):
    """Adds the current request's fields to every record (None outside a request)."""

    def filter(self, record):
        context = REQUEST.get() or {}
        for name in ("request_id", "user_id", "client"):
            if not hasattr(record, name):
                setattr(record, name, context.get(name))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        line.update({name: getattr(record, name) for name in CONTEXT_FIELDS if getattr(record, name, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def request_id_of(request) -> str:
    """The id a trusted proxy gave the request (TrustedProxyMiddleware drops the header from anyone
    else), or a new one."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def _loaded_user_id(request):
    """The user's id if the request loaded its user; never a query of its own (a public page or a
    static file stays query-free)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class RequestLogMiddleware:
    """Right after TrustedProxyMiddleware: times the whole request, logs one access line and answers
    with the request id in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        context = {"request_id": request_id_of(request), "client": request.META.get("REMOTE_ADDR")}
        token = REQUEST.set(context)
        try:
            response = self.get_response(request)
            context["user_id"] = _loaded_user_id(request)
            response["X-Request-ID"] = context["request_id"]
            access_log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={"method": request.method, "path": request.path, "status": response.status_code,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 1)},
            )
            return response
        finally:
            REQUEST.reset(token)

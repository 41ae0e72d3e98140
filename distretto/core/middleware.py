"""Structured request logging: method, path, status, duration, caller, request id."""

import logging
import time
import uuid

from django.http import HttpRequest, HttpResponse

log = logging.getLogger("distretto.request")


def log_request(
    request_id: str, method: str, path: str, status: int, started: float, user: str | None
) -> None:
    """The one JSON line every request leaves; ``started`` is a ``perf_counter()`` value."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "request",
        extra={
            "request_id": request_id,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user": user,
        },
    )


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        request.request_id = request_id
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        principal = getattr(request, "principal", None)
        if principal is not None:
            caller = str(principal)
        else:
            caller = user.get_username() if user and user.is_authenticated else None
        log_request(request_id, request.method, request.path, response.status_code, started, caller)
        return response

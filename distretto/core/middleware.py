"""Structured request logging: method, path, status, duration, caller, request id."""

import logging
import time
import uuid

from django.http import HttpRequest, HttpResponse

log = logging.getLogger("distretto.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        request.request_id = request_id
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response["X-Request-ID"] = request_id
        user = getattr(request, "user", None)
        principal = getattr(request, "principal", None)
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "user": (
                    str(principal)
                    if principal is not None
                    else (user.get_username() if user and user.is_authenticated else None)
                ),
            },
        )
        return response

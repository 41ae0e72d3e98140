"""The REST API at /api/v1/: one NinjaAPI, each app's router mounted under its name.

Errors leave in one envelope, ``{"error": {"code", "message", "field"}}``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from distretto.accounts.api import auth_router
from distretto.accounts.api import router as accounts_router
from distretto.accounts.auth import api_auth
from distretto.catalog.api import router as catalog_router
from distretto.checkins.api import router as checkins_router
from distretto.core.contract import ContractAPI
from distretto.core.errors import DomainError, InternalError, RateLimited, Unauthenticated
from distretto.core.validation_messages import validation_message
from distretto.energy.api import router as energy_router
from distretto.loyalty.api import router as loyalty_router
from distretto.multiservice.api import router as multiservice_router
from distretto.observatory.api import router as observatory_router
from distretto.privacy.api import router as privacy_router
from distretto.signage.api import router as signage_router
from distretto.territory.api import router as territory_router

log = logging.getLogger("distretto.api")

api = ContractAPI(
    title="Distretto API",
    version="1",
    description=(
        "REST API of the Distretto platform. Authenticate with "
        "`Authorization: Bearer <token>` (POST /api/v1/auth/token) or the browser session."
    ),
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
)

api.add_router("/auth", auth_router)
api.add_router("/accounts", accounts_router)
api.add_router("/territory", territory_router)
api.add_router("/loyalty", loyalty_router)
api.add_router("/signage", signage_router)
api.add_router("/checkins", checkins_router)
api.add_router("/catalog", catalog_router)
api.add_router("/multiservice", multiservice_router)
api.add_router("/energy", energy_router)
api.add_router("/privacy", privacy_router)
api.add_router("/observatory", observatory_router)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "field": field}},
        status=status,
    )


# An id no row can have (a 64-bit integer overflows) is a missing id like any other.
_OUT_OF_RANGE = {"less_than_equal", "greater_than_equal"}
_LOCATION_WORDS = {"body", "query", "path", "header", "cookie", "form", "file", "payload"}


def _field_of(location: list) -> str | None:
    names = [str(part) for part in location if not isinstance(part, int)]
    names = [name for name in names if name not in _LOCATION_WORDS]
    return ".".join(names) or None


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(request, exc.status, exc.code, exc.message, exc.field)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    location = list(first.get("loc", []))
    field = _field_of(location)
    if location[:1] == ["path"] and first.get("type") in _OUT_OF_RANGE:
        return on_not_found(request, Http404())
    message = validation_message(first)
    if first.get("type") == "json_invalid":
        return error_response(request, 400, "malformed_json", "The body is not valid JSON.")
    return error_response(
        request, 422, "invalid", f"{field}: {message}" if field else message, field
    )


@api.exception_handler(DjangoValidationError)
def on_model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        message = "; ".join(str(m) for e in errors for m in e.messages)
        field = None if field == "__all__" else field
    else:
        field, message = None, "; ".join(exc.messages)
    return error_response(request, 422, "invalid", message, field)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    missing = Unauthenticated()
    response = error_response(request, missing.status, missing.code, missing.message)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthorizationError)
def on_forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return error_response(request, 403, "forbidden", str(exc) or "Not allowed.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", str(exc) or "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 405: "method_not_allowed", 413: "too_large"}.get(
        exc.status_code, "error"
    )
    message = str(exc)
    if exc.status_code == 400 and message == "Cannot parse request body":
        code, message = "malformed_json", "The body is not valid JSON."
    return error_response(request, exc.status_code, code, message)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return error_response(
        request,
        413,
        "too_large",
        f"The body is larger than {limit:,} bytes: send it in smaller batches.",
    )


@api.exception_handler(MultiPartParserError)
def on_malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_response(
        request, 400, "malformed_multipart", f"The multipart body cannot be read: {exc}"
    )


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unhandled API error", extra={"path": request.path})
    fault = InternalError()
    return error_response(request, fault.status, fault.code, fault.message)

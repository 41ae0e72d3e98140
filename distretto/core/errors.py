"""Domain errors: exceptions with a code, mapped once to the JSON error envelope.

Services raise these; the API turns them into
``{"error": {"code", "message", "field"}}`` with the status below, and pages show
the message. Nothing else needs to know about HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field

    def as_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class Invalid(DomainError):
    """Input that cannot be accepted: 422 naming the field."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """Missing or out of the caller's scope: the two look the same on purpose."""

    status = 404
    code = "not_found"


class Unauthenticated(DomainError):
    """No valid credentials: 401, and the client is told how to authenticate."""

    status = 401
    code = "unauthenticated"

    def __init__(
        self, message: str = "Send a valid token: Authorization: Bearer <token>.", **kwargs
    ) -> None:
        super().__init__(message, **kwargs)


class Forbidden(DomainError):
    """In scope, but the caller's role may not do this."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Not answered in time (no connection, a lock held too long): 503, try again."""

    status = 503
    code = "unavailable"


class InternalError(DomainError):
    """A fault on our side, logged where it happened: 500 with a plain sentence."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str = "Something went wrong on our side.", **kwargs) -> None:
        super().__init__(message, **kwargs)

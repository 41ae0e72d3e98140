"""API authentication: bearer tokens (personal or device) and the browser session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from distretto.accounts import audit, tokens
from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import Principal


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        api_token = tokens.authenticate(token)
        if api_token is None:
            return None
        user = api_token.user if api_token.kind == ApiToken.Kind.PERSONAL else None
        principal = Principal(user=user, token=api_token, via="api")
        request.principal = principal
        if user is not None:
            audit.set_actor(user, "api")
        return principal


class SessionPrincipalAuth(SessionAuth):
    """The signed-in browser user (CSRF-checked on unsafe methods)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = super().authenticate(request, key)
        if not user:
            return None
        principal = Principal(user=user, via="api")
        request.principal = principal
        audit.set_actor(user, "api")
        return principal


api_auth = [TokenAuth(), SessionPrincipalAuth()]

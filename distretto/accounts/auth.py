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

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session for a forged cross-site request
        # to ride on: the caller is just not signed in (401, not a 403 CSRF failure).
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = super().authenticate(request, key)
        if not user:
            return None
        principal = Principal(user=user, via="api")
        request.principal = principal
        audit.set_actor(user, "api")
        return principal


api_auth = [TokenAuth(), SessionPrincipalAuth()]

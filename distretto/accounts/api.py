from django.http import HttpRequest
from ninja import Query, Router, Status

from distretto.accounts import services, tokens
from distretto.accounts.schemas import (
    AuditPage,
    MeOut,
    TokenCreated,
    TokenOut,
    TokenRequest,
)
from distretto.accounts.scoping import get_in_scope, require_write
from distretto.core.errors import Forbidden
from distretto.core.pagination import PageParams, paginate

auth_router = Router(tags=["auth"])
router = Router(tags=["accounts"])


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


@auth_router.post("/token", auth=None, response={201: TokenCreated})
def create_token(request: HttpRequest, payload: TokenRequest):
    """Exchange username and password for a personal token (shown once)."""
    token, raw = services.token_for_credentials(
        payload.username,
        payload.password,
        client_ip=client_ip(request),
        name=payload.name,
        scope=payload.scope,
        expires_in_days=payload.expires_in_days,
    )
    return Status(
        201,
        {
            "id": token.pk,
            "token": raw,
            "name": token.name,
            "kind": token.kind,
            "scope": token.scope,
            "expires_at": token.expires_at,
        },
    )


@router.get("/me", response=MeOut)
def me(request: HttpRequest):
    principal = request.auth
    if not principal.is_person:
        raise Forbidden("Device tokens have no user profile.", code="device_token")
    user = principal.user
    return {
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "is_superuser": user.is_superuser,
        "memberships": principal.memberships,
    }


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request: HttpRequest):
    return list(services.tokens_visible_to(request.auth))


@router.delete("/tokens/{token_id}", response=TokenOut)
def revoke_token(request: HttpRequest, token_id: int):
    require_write(request.auth)
    token = get_in_scope(services.tokens_visible_to(request.auth), token_id, "token")
    return tokens.revoke(token)


@router.get("/audit", response=AuditPage)
def audit_log(request: HttpRequest, page: Query[PageParams], object_type: str | None = None):
    entries = services.audit_entries_for(request.auth)
    if object_type:
        entries = entries.filter(object_type=object_type)
    return paginate(entries, page.limit, page.offset)

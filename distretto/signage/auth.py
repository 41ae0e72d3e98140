"""Player authentication: a display token (ApiToken kind ``display``) stands for one
Display. The player sends it as ``Authorization: Bearer``; the event stream also
accepts ``?token=`` because a browser's EventSource cannot set headers."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyQuery, HttpBearer

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import Principal
from distretto.signage.models import Display


def display_of(raw_token: str) -> tuple[Principal, Display] | None:
    """The principal of an active display token and its display, or None."""
    api_token = tokens.authenticate(raw_token)
    if api_token is None or api_token.kind != ApiToken.Kind.DISPLAY:
        return None
    if api_token.device_type_id != ContentType.objects.get_for_model(Display).pk:
        return None
    display = Display.objects.select_related("district").filter(pk=api_token.device_id).first()
    if display is None:
        return None
    return Principal(token=api_token, via="api"), display


def displays_of_digests(token_hashes: list[str]) -> dict[str, tuple[str, int, int]]:
    """The active display tokens among these SHA-256 digests, checked together (for
    the player fast path, when many players ask at once): for each, the principal as
    the request log names it, the display id and its district id. Refreshes
    ``last_used_at`` as ``tokens.authenticate`` does (at most once a minute)."""
    now = timezone.now()
    rows = list(
        ApiToken.objects.filter(
            tokens.active_at(now),
            token_hash__in=token_hashes,
            kind=ApiToken.Kind.DISPLAY,
            device_type=ContentType.objects.get_for_model(Display),
        ).values_list("token_hash", "pk", "device_id", "last_used_at")
    )
    districts = dict(
        Display.objects.filter(pk__in={row[2] for row in rows}).values_list("pk", "district_id")
    )
    tokens.note_used({pk: used for _, pk, _, used in rows}, now)
    return {
        token_hash: (f"{ApiToken.Kind.DISPLAY}:{pk}", display_id, districts[display_id])
        for token_hash, pk, display_id, _ in rows
        if display_id in districts
    }


def display_principal(request: HttpRequest, raw_token: str) -> Principal | None:
    """The principal of an active display token, with ``request.display`` set."""
    found = display_of(raw_token)
    if found is None:
        return None
    principal, request.display = found
    request.principal = principal
    return principal


class DisplayBearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        return display_principal(request, token)


class DisplayQueryToken(APIKeyQuery):
    param_name = "token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        return display_principal(request, key or "")


display_auth = [DisplayBearer()]
display_stream_auth = [DisplayBearer(), DisplayQueryToken()]

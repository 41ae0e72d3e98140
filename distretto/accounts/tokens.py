"""Issuing, checking and revoking API tokens. Tokens are shown once and kept hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from distretto.accounts.models import ApiToken

TOKEN_PREFIX = "dst"
# last_used_at is refreshed at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _new_raw_token() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def issue(
    *,
    kind: str,
    name: str,
    user=None,
    business=None,
    device: Model | None = None,
    scope: str = ApiToken.Scope.WRITE,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored or shown again."""
    prefix, raw = _new_raw_token()
    token = ApiToken(
        kind=kind,
        name=name,
        scope=scope,
        user=user,
        business=business,
        prefix=prefix,
        token_hash=digest(raw),
        expires_at=expires_at,
    )
    if device is not None:
        token.device_type = ContentType.objects.get_for_model(device)
        token.device_id = device.pk
    token.full_clean()
    token.save()
    return token, raw


def authenticate(raw_token: str) -> ApiToken | None:
    """The active token matching ``raw_token``, or None."""
    if not raw_token or not raw_token.startswith(f"{TOKEN_PREFIX}_"):
        return None
    token = (
        ApiToken.objects.select_related("user", "business")
        .filter(token_hash=digest(raw_token))
        .first()
    )
    if token is None or not token.is_active:
        return None
    if token.kind == ApiToken.Kind.PERSONAL and not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def device_tokens(device: Model):
    return ApiToken.objects.filter(
        device_type=ContentType.objects.get_for_model(device), device_id=device.pk
    )

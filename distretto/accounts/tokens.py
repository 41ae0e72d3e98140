"""Issuing, checking and revoking API tokens. Tokens are shown once and kept hashed.

A POS terminal sends a request for every sale, so a worker keeps the terminal tokens
it has checked for ``TERMINAL_CACHE_S`` seconds instead of reading them from the
database on every request. Saving a token (which ``revoke`` does) drops it from this
process's cache at once; another worker may still accept a revoked terminal token for
at most ``TERMINAL_CACHE_S`` seconds. Expiry is checked on every request. Other tokens
are always read from the database (a deactivated user is refused at once; displays
have their own cache in the signage fast path). Unknown tokens are never cached.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from distretto.accounts.models import ApiToken

TOKEN_PREFIX = "dst"
# last_used_at is refreshed at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
TERMINAL_CACHE_S = 5.0
TERMINAL_CACHE_MAX = 50_000  # more tills than any installation has; bounds a token flood

# token_hash -> (terminal token, monotonic time until which it is trusted)
_terminal_cache: dict[str, tuple[ApiToken, float]] = {}
_terminal_cache_lock = threading.Lock()


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


def _cached_terminal_token(token_hash: str) -> ApiToken | None:
    cached = _terminal_cache.get(token_hash)
    if cached is None or cached[1] < time.monotonic():
        return None
    return cached[0]


def _remember_terminal_token(token: ApiToken) -> None:
    with _terminal_cache_lock:
        if len(_terminal_cache) >= TERMINAL_CACHE_MAX:
            _terminal_cache.clear()
        _terminal_cache[token.token_hash] = (token, time.monotonic() + TERMINAL_CACHE_S)


@receiver([post_save, post_delete], sender=ApiToken)
def _forget_terminal_token(sender, instance: ApiToken, **kwargs) -> None:
    with _terminal_cache_lock:
        _terminal_cache.pop(instance.token_hash, None)


def authenticate(raw_token: str) -> ApiToken | None:
    """The active token matching ``raw_token``, or None."""
    if not raw_token or not raw_token.startswith(f"{TOKEN_PREFIX}_"):
        return None
    token_hash = digest(raw_token)
    token = _cached_terminal_token(token_hash)
    if token is None:
        token = (
            ApiToken.objects.select_related("user", "business")
            .filter(token_hash=token_hash)
            .first()
        )
        if token is not None and token.kind == ApiToken.Kind.TERMINAL and token.is_active:
            _remember_terminal_token(token)
    if token is None or not token.is_active:
        return None
    if token.kind == ApiToken.Kind.PERSONAL and not token.user.is_active:
        return None
    now = timezone.now()
    if note_used({token.pk: token.last_used_at}, now):
        token.last_used_at = now
    return token


def cached_terminal(raw_token: str) -> ApiToken | None:
    """The terminal token for ``raw_token`` if this worker may trust it without the
    database: kept in the cache, still active, and its last use recorded within
    ``LAST_USED_RESOLUTION``. None means: ask ``authenticate``."""
    if not raw_token.startswith(f"{TOKEN_PREFIX}_"):
        return None
    token = _cached_terminal_token(digest(raw_token))
    if token is None or not token.is_active:
        return None
    if use_due(token.last_used_at, timezone.now()):
        return None
    return token


def active_at(now: datetime) -> Q:
    """``ApiToken.is_active`` as a query condition, for checking many tokens at once."""
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def use_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` is to be written (see ``LAST_USED_RESOLUTION``)."""
    return last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION


def note_used(last_used: dict[int, datetime | None], now: datetime) -> list[int]:
    """Record that these tokens (id: ``last_used_at`` as read) were used at ``now``,
    each at most once per ``LAST_USED_RESOLUTION`` so that reads do not turn into
    writes; the ids written."""
    stale = [pk for pk, at in last_used.items() if use_due(at, now)]
    if stale:
        ApiToken.objects.filter(pk__in=stale).update(last_used_at=now)
    return stale


def revoke(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def device_tokens(device: Model):
    return ApiToken.objects.filter(
        device_type=ContentType.objects.get_for_model(device), device_id=device.pk
    )

"""Failed-login throttling for the token endpoint, counted in the shared cache."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from distretto.core.errors import RateLimited


def _keys(username: str, client_ip: str) -> list[str]:
    return [f"token-fail:user:{username.lower()}", f"token-fail:ip:{client_ip}"]


def check(username: str, client_ip: str) -> None:
    """Raise RateLimited while either the username or the address is locked out."""
    limit = settings.TOKEN_RATE_LIMIT
    for key in _keys(username, client_ip):
        entry = cache.get(key)
        if entry and entry["count"] >= limit:
            retry_after = max(1, int(entry["until"] - time.time()))
            raise RateLimited(
                "Too many failed attempts; try again later.",
                code="too_many_attempts",
                retry_after=retry_after,
            )


def record_failure(username: str, client_ip: str) -> None:
    window = settings.TOKEN_RATE_WINDOW_S
    for key in _keys(username, client_ip):
        entry = cache.get(key) or {"count": 0, "until": time.time() + window}
        entry["count"] += 1
        cache.set(key, entry, timeout=max(1, int(entry["until"] - time.time())))


def clear(username: str, client_ip: str) -> None:
    cache.delete(_keys(username, client_ip)[0])

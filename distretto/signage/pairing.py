"""Pairing a totem by the code on its screen, with no keyboard at the totem.

1. A blank player (no token) asks for a code (``start``): it gets a 6-character code
   to show, large, and a secret *claim* that only it knows.
2. An operator types the code on the manager page or in
   ``POST /api/v1/signage/displays/pair`` (``pair``): the code is bound to a display.
3. The player, polling with its claim (``collect``), then receives the display's new
   token, once; the code is spent.

Codes expire after ``CODE_TTL`` (15 minutes) and are single use. Guessing is
throttled: an operator's failed attempts are counted per user and per address
(``ATTEMPTS`` per ``WINDOW``), and a player address may ask for ``STARTS`` codes per
hour. The alphabet leaves out look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.core.errors import Conflict, NotFound, RateLimited
from distretto.signage.models import Display, PairingCode

ALPHABET = "ACDEFHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=15)
POLL_S = 3
ATTEMPTS, WINDOW_S = 10, 900  # failed pairings per user and per address
STARTS = 30  # codes per player address per hour


def _claim_hash(claim: str) -> str:
    return hashlib.sha256(claim.encode()).hexdigest()


def normalise(code: str) -> str:
    """What the operator typed, as stored: capitals, no spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _count(key: str, window_s: int) -> int:
    """Add one to a counter that lives ``window_s`` from its first use; the new count."""
    entry = cache.get(key) or {"count": 0, "until": time.time() + window_s}
    entry["count"] += 1
    cache.set(key, entry, timeout=max(1, int(entry["until"] - time.time())))
    return entry["count"]


def _refuse_if_over(keys: list[str], limit: int, message: str) -> None:
    for key in keys:
        entry = cache.get(key)
        if entry and entry["count"] >= limit:
            raise RateLimited(
                message,
                code="too_many_attempts",
                retry_after=max(1, int(entry["until"] - time.time())),
            )


def start(client_ip: str) -> tuple[PairingCode, str]:
    """A new code for a blank player at ``client_ip``, and its secret claim."""
    key = f"signage-pair-start:{client_ip}"
    _refuse_if_over([key], STARTS, _("Too many pairing codes from this address; wait a while."))
    _count(key, 3600)
    now = timezone.now()
    # Spent and expired codes free their letters for new ones.
    PairingCode.objects.filter(expires_at__lt=now - CODE_TTL).delete()
    claim = secrets.token_urlsafe(32)
    for _attempt in range(10):
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        try:
            with transaction.atomic():
                pairing = PairingCode.objects.create(
                    code=code, claim_hash=_claim_hash(claim), expires_at=now + CODE_TTL
                )
            return pairing, claim
        except IntegrityError:
            continue
    raise Conflict(_("No free pairing code right now; try again."), code="no_free_code")


def pair(code: str, display: Display, *, by, client_ip: str) -> PairingCode:
    """Bind the code a player shows to ``display``; the player collects the token."""
    username = getattr(by, "username", "") or "-"
    keys = [f"signage-pair-fail:user:{username}", f"signage-pair-fail:ip:{client_ip}"]
    _refuse_if_over(keys, ATTEMPTS, _("Too many wrong codes; try again later."))
    now = timezone.now()
    with transaction.atomic():
        pairing = PairingCode.objects.select_for_update().filter(code=normalise(code)).first()
        problem = None
        if pairing is None:
            problem = NotFound(
                _("No totem shows this code: check the letters on its screen."),
                code="unknown_pairing_code",
                field="code",
            )
        elif pairing.paired_at is not None or pairing.used_at is not None:
            problem = Conflict(
                _("This code has been used already: the totem shows a new one."),
                code="pairing_code_used",
                field="code",
            )
        elif pairing.expires_at <= now:
            problem = Conflict(
                _("This code has expired: the totem shows a new one."),
                code="pairing_code_expired",
                field="code",
            )
        if problem is None:
            pairing.display = display
            pairing.paired_by = by if getattr(by, "pk", None) else None
            pairing.paired_at = now
            pairing.save(update_fields=["display", "paired_by", "paired_at"])
            return pairing
    for key in keys:
        _count(key, WINDOW_S)
    raise problem


def collect(claim: str) -> dict:
    """What a polling player learns: ``waiting`` (with the code's expiry), ``expired``
    (ask for a new code), or ``paired`` with its token, given once."""
    from distretto.signage.services import issue_display_token

    now = timezone.now()
    with transaction.atomic():
        pairing = (
            PairingCode.objects.select_for_update(of=("self",))
            .select_related("display", "paired_by")
            .filter(claim_hash=_claim_hash(claim or ""))
            .first()
        )
        if pairing is None or pairing.used_at is not None:
            return {"status": "expired"}
        if pairing.display_id is None:
            if pairing.expires_at <= now:
                return {"status": "expired"}
            return {"status": "waiting", "code": pairing.code, "expires_at": pairing.expires_at}
        raw = issue_display_token(pairing.display, pairing.paired_by)
        pairing.used_at = now
        pairing.save(update_fields=["used_at"])
        return {"status": "paired", "token": raw, "display": pairing.display.name}

"""The venue's rotating 6-digit code: TOTP (RFC 6238) with a 60 s step.

A code is accepted during its own step and one step either side (±1 step), so a
visitor who reads it just before it changes, or whose request arrives a little
late, is not turned away. Only the server's clock counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp

STEP_S = 60
DIGITS = 6
TOLERANCE_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def _counter(at: datetime) -> int:
    return int(at.timestamp()) // STEP_S


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)


def code_at(secret: str, at: datetime) -> str:
    """The code shown at instant ``at``."""
    return _totp(secret).generate_otp(_counter(at))


@dataclass(frozen=True)
class CurrentCode:
    code: str
    valid_from: datetime
    valid_until: datetime  # when the screen shows the next code


def current(secret: str, at: datetime) -> CurrentCode:
    counter = _counter(at)
    return CurrentCode(
        code=_totp(secret).generate_otp(counter),
        valid_from=datetime.fromtimestamp(counter * STEP_S, UTC),
        valid_until=datetime.fromtimestamp((counter + 1) * STEP_S, UTC),
    )


def verify(secret: str, code: str, at: datetime) -> bool:
    """Whether ``code`` is the venue's code at ``at``, one step before or after."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return False
    totp = _totp(secret)
    counter = _counter(at)
    return any(
        pyotp.utils.strings_equal(code, totp.generate_otp(counter + offset))
        for offset in range(-TOLERANCE_STEPS, TOLERANCE_STEPS + 1)
    )

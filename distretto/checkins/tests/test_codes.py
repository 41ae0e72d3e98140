"""The venue's rotating code: 6 digits, 60 s steps, accepted one step either side."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from distretto.checkins import codes

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
STEP_START = datetime(2026, 7, 14, 10, 0, 0, tzinfo=UTC)  # a multiple of 60 s


def test_codes_are_rfc_6238_with_a_60_second_step():
    code = codes.code_at(SECRET, STEP_START + timedelta(seconds=30))
    assert code == pyotp.TOTP(SECRET, interval=60).at(int(STEP_START.timestamp()) + 30)
    assert len(code) == 6 and code.isdigit()


def test_the_code_changes_exactly_at_the_step_boundary():
    last_second = codes.code_at(SECRET, STEP_START - timedelta(seconds=1))
    assert codes.code_at(SECRET, STEP_START) != last_second
    assert codes.code_at(SECRET, STEP_START + timedelta(seconds=59)) == codes.code_at(
        SECRET, STEP_START
    )


def test_a_code_is_valid_from_one_step_before_to_one_step_after_its_own():
    code = codes.code_at(SECRET, STEP_START)  # step [10:00:00, 10:01:00)
    assert codes.verify(SECRET, code, STEP_START - timedelta(seconds=60))  # 09:59:00, step -1
    assert codes.verify(SECRET, code, STEP_START + timedelta(seconds=119))  # 10:01:59, step +1
    assert not codes.verify(SECRET, code, STEP_START - timedelta(seconds=61))  # step -2
    assert not codes.verify(SECRET, code, STEP_START + timedelta(seconds=120))  # step +2


def test_current_code_says_until_when_it_is_shown():
    shown = codes.current(SECRET, STEP_START + timedelta(seconds=42))
    assert shown.code == codes.code_at(SECRET, STEP_START)
    assert shown.valid_until == STEP_START + timedelta(seconds=60)


def test_malformed_codes_are_simply_invalid():
    for text in ("", "12345", "1234567", "abcdef", None):
        assert not codes.verify(SECRET, text, STEP_START)
    spaced = codes.code_at(SECRET, STEP_START)
    assert codes.verify(SECRET, f"{spaced[:3]} {spaced[3:]}", STEP_START)

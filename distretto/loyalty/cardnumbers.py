"""Printed card numbers: 11 random digits and a Luhn check digit.

A mistyped number (one wrong digit, two swapped neighbours) fails the check digit
and is rejected before any database lookup.
"""

from __future__ import annotations

import secrets

from django.utils.translation import gettext as _

from distretto.core.errors import Invalid

NUMBER_LENGTH = 12


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits`` + digit pass the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def is_valid(number: str) -> bool:
    return (
        len(number) == NUMBER_LENGTH
        and number.isascii()
        and number.isdigit()
        and luhn_check_digit(number[:-1]) == number[-1]
    )


def normalise(text: str) -> str:
    """The number as typed or scanned, without spaces and dashes."""
    return "".join(char for char in str(text) if char not in " -\t")


def parse(text: str) -> str:
    """The card number in ``text``, normalised; ``Invalid`` (field ``card``) if its
    check digit is wrong."""
    number = normalise(text)
    if not is_valid(number):
        raise Invalid(
            _("This is not a valid card number (check digit)."),
            code="invalid_card_number",
            field="card",
        )
    return number


def new_number() -> str:
    body = str(secrets.randbelow(9 * 10 ** (NUMBER_LENGTH - 2)) + 10 ** (NUMBER_LENGTH - 2))
    return body + luhn_check_digit(body)


def printed(number: str) -> str:
    """``123456789012`` → ``1234 5678 9012``."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))

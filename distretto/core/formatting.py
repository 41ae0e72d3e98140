"""Numbers and amounts as people read them, in the active language.

One place for pages, PDFs and e-mails: Django's own localisation
(``django.utils.formats.number_format``) with thousands grouping forced on, so that
Italian reads ``€ 75.000,00`` and ``1.234`` while English reads ``€ 75,000.00``.
Identifiers are never passed through here (a card or ticket number is not a quantity).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

NBSP = "\u00a0"


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def quantity(value: object, places: int | None = None) -> str:
    """``value`` grouped by thousands with ``places`` decimals; without ``places``,
    as many decimals as the value carries (trailing zeros dropped). Not a number:
    returned unchanged as text."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    if places is None:
        number = number.normalize() if number == number.to_integral() else number
        exponent = number.as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
        if places and number == number.to_integral():
            places = 0
    # number_format cuts extra decimals off; round half up first, as people expect.
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(number, places, use_l10n=True, force_grouping=True)


def money(value: object, currency: str = "€") -> str:
    """An amount in euro with two decimals: ``€ 1.234,50``."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    return f"{currency}{NBSP}{quantity(number, 2)}"

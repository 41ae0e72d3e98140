"""Validators for Italian registry data: partita IVA, ATECO codes, coordinates."""

from __future__ import annotations

import re
from datetime import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ATECO_RE = re.compile(r"^\d{2}(\.\d{1,2}(\.\d{1,2})?)?$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def partita_iva_check_digit(first_ten: str) -> int:
    """Check digit of a partita IVA (VAT number) from its first ten digits.

    Digits in odd positions are summed; digits in even positions are doubled, and 9 is
    subtracted when the double exceeds 9; the check digit brings the total to a
    multiple of ten.
    """
    total = 0
    for index, char in enumerate(first_ten):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def validate_partita_iva(value: str) -> None:
    if not re.fullmatch(r"\d{11}", value or ""):
        raise ValidationError(_("A partita IVA has exactly 11 digits."), code="partita_iva_format")
    if value == "0" * 11:
        raise ValidationError(_("A partita IVA cannot be all zeros."), code="partita_iva_zero")
    if partita_iva_check_digit(value[:10]) != int(value[10]):
        raise ValidationError(
            _("The partita IVA check digit is wrong: the number is mistyped."),
            code="partita_iva_check_digit",
        )


def validate_ateco(value: str) -> None:
    """ATECO codes look like 47, 47.1, 47.11 or 47.11.10 (section digits, dotted)."""
    if not ATECO_RE.fullmatch(value or ""):
        raise ValidationError(
            _("An ATECO code looks like 47.11.10 (two digits, then groups of one or two)."),
            code="ateco_format",
        )


def validate_latitude(value: float) -> None:
    if value is None or not -90 <= value <= 90:
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude_range")


def validate_longitude(value: float) -> None:
    if value is None or not -180 <= value <= 180:
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude_range")


def validate_coordinates(lat: float | None, lon: float | None) -> None:
    """Both or neither: a point with one coordinate is not a place."""
    if (lat is None) != (lon is None):
        raise ValidationError(
            _("Give both latitude and longitude, or neither."), code="coordinates_incomplete"
        )
    if lat is not None:
        validate_latitude(lat)
        validate_longitude(lon)


def _parse_hhmm(text: str) -> time:
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValidationError(
            _("Times are written HH:MM, e.g. 09:30; got %(value)s."),
            params={"value": text},
            code="hours_format",
        ) from None


def validate_opening_hours(value: dict) -> None:
    """``{"mon": [["09:00", "12:30"], ["15:30", "19:30"]], ...}``; absent day = closed."""
    if not isinstance(value, dict):
        raise ValidationError(_("Opening hours must be an object keyed by weekday."))
    for day, ranges in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(
                _("Unknown weekday %(day)s: use mon, tue, wed, thu, fri, sat, sun."),
                params={"day": day},
                code="hours_day",
            )
        if not isinstance(ranges, list):
            raise ValidationError(_("Each weekday holds a list of [open, close] pairs."))
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValidationError(_("Each opening range is a pair [open, close]."))
            opens, closes = (_parse_hhmm(part) for part in pair)
            if opens >= closes:
                raise ValidationError(
                    _("On %(day)s a range closes before it opens."),
                    params={"day": day},
                    code="hours_order",
                )

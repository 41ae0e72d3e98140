"""Pydantic's validation errors in the caller's language: the API's 422 names the field
and says what is wrong in Italian or English, not in pydantic's own English."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

_BY_TYPE = {
    "missing": lambda ctx: _("This field is required."),
    "less_than_equal": lambda ctx: _("Must be at most %(n)s.") % {"n": ctx.get("le")},
    "greater_than_equal": lambda ctx: _("Must be at least %(n)s.") % {"n": ctx.get("ge")},
    "less_than": lambda ctx: _("Must be less than %(n)s.") % {"n": ctx.get("lt")},
    "greater_than": lambda ctx: _("Must be greater than %(n)s.") % {"n": ctx.get("gt")},
    "string_too_short": lambda ctx: (
        _("Must be at least %(n)s characters long.") % {"n": ctx.get("min_length")}
    ),
    "string_too_long": lambda ctx: (
        _("Must be at most %(n)s characters long.") % {"n": ctx.get("max_length")}
    ),
    "int_parsing": lambda ctx: _("Must be a whole number."),
    "int_type": lambda ctx: _("Must be a whole number."),
    "int_from_float": lambda ctx: _("Must be a whole number."),
    "float_parsing": lambda ctx: _("Must be a number."),
    "float_type": lambda ctx: _("Must be a number."),
    "decimal_parsing": lambda ctx: _("Must be a number."),
    "bool_parsing": lambda ctx: _("Must be true or false."),
    "bool_type": lambda ctx: _("Must be true or false."),
    "date_parsing": lambda ctx: _("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": lambda ctx: _("Must be a date (YYYY-MM-DD)."),
    "datetime_parsing": lambda ctx: _("Must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": lambda ctx: _("Must be a date and time (ISO 8601)."),
    "literal_error": lambda ctx: _("Must be one of: %(values)s.") % {"values": ctx.get("expected")},
    "enum": lambda ctx: _("Must be one of: %(values)s.") % {"values": ctx.get("expected")},
    "string_pattern_mismatch": lambda ctx: _("Does not have the expected format."),
}


def validation_message(error: dict[str, Any]) -> str:
    """What is wrong with one input, in the active language; pydantic's own words for
    the error types not listed here."""
    say = _BY_TYPE.get(error.get("type", ""))
    if say is None:
        return error.get("msg", _("Invalid input."))
    return say(error.get("ctx") or {})

"""``{% load energy_display %}``: an anomaly in words, a reading at its meter's precision."""

from django import template
from django.utils.safestring import SafeString

from distretto.core import formatting
from distretto.energy import display, explain

register = template.Library()


@register.filter
def explained(anomaly) -> SafeString:
    """``{{ anomaly|explained }}``: the anomaly's sentence, its subject linked."""
    return explain.explain_html(anomaly)


@register.filter
def rule_name(anomaly) -> str:
    return explain.rule_name(anomaly)


@register.filter
def reading(value: object, decimals: object = None) -> str:
    """``{{ value|reading:meter_decimals }}``: a meter quantity, "–" when there is none."""
    if value is None:
        return "–"
    return formatting.quantity(value, None if decimals in (None, "") else int(decimals))


@register.filter
def symbol(unit_of_measure: str) -> str:
    """``{{ meter.unit_of_measure|symbol }}``: "m3" written "m³"."""
    return display.unit_symbol(unit_of_measure)

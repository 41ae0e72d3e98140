"""``{% load numbers %}``: ``{{ amount|money }}``, ``{{ kwh|quantity:1 }}``, ``{{ n|quantity }}``.

Both are thin wrappers of ``distretto.core.formatting`` so that pages, PDFs and
e-mails write numbers the same way.
"""

from django import template

from distretto.core import formatting

register = template.Library()


@register.filter
def money(value: object) -> str:
    return formatting.money(value)


@register.filter
def quantity(value: object, places: object = None) -> str:
    return formatting.quantity(value, None if places in (None, "") else int(places))

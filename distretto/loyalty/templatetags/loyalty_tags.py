"""Template filters for fidelity cards, used by every page that shows one."""

from django import template

from distretto.loyalty.cardnumbers import printed

register = template.Library()


@register.filter
def card_number(number: str | None) -> str:
    """A card number as it is printed on the card: ``1234 5678 9012``."""
    return printed(str(number)) if number else ""

from django import template

register = template.Library()


@register.filter
def place(venue) -> str:
    """Address and comune, without repeating the comune when the address names it."""
    address = (venue.address or "").strip()
    comune = venue.comune.name if venue.comune_id else ""
    if comune and comune.lower() not in address.lower():
        return f"{address}, {comune}" if address else comune
    return address

"""Who may change what in the information point, built on accounts.scoping.

Reading is public: products, service types and published venue pages are for
visitors. Editing a venue (page, services, products on offer, deliveries) is for
the managers of the venue's district (and the chamber's operators) and for the
merchant of that venue; any other venue is "not found". The product catalogue
is shared by all districts: chamber operators and district managers edit it.
"""

from __future__ import annotations

from django.db.models import QuerySet

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal, businesses_for, require_role, require_write
from distretto.territory.models import Business


def editable_venues(principal: Principal) -> QuerySet[Business]:
    """Venues whose page and services the caller may change (404 for the rest)."""
    if principal.is_device:
        return Business.objects.none()
    return businesses_for(principal, manage=True)


def can_edit_products(principal: Principal) -> bool:
    return principal.is_person and principal.has_role(Role.CHAMBER_OPERATOR, Role.DISTRICT_MANAGER)


def require_product_editor(principal: Principal) -> None:
    require_write(principal)
    require_role(principal, Role.CHAMBER_OPERATOR, Role.DISTRICT_MANAGER)


def linkable_businesses(principal: Principal) -> QuerySet[Business]:
    """Businesses a product editor may name as producers or venues of a product."""
    return businesses_for(principal, manage=True)

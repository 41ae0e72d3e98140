"""What a caller may see and change in the loyalty app, built on accounts.scoping."""

from __future__ import annotations

from django.db.models import QuerySet

from distretto.accounts.models import ApiToken, Role
from distretto.accounts.scoping import Principal, businesses_for, districts_for
from distretto.core.errors import Forbidden
from distretto.loyalty.models import Campaign, Card, LedgerTransaction, Program
from distretto.territory.models import Business


def programs_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    """Programmes of the districts the caller sees (with ``manage``: runs)."""
    if not manage and (business := terminal_business(principal)):
        # A till sees its own business's district, which its token already names.
        return Program.objects.filter(district=business.district_id)
    return Program.objects.filter(district__in=districts_for(principal, manage=manage))


def cards_for(principal: Principal) -> QuerySet:
    """Cards a manager may list and administer."""
    return Card.objects.filter(program__in=programs_for(principal, manage=True))


def campaigns_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    return Campaign.objects.filter(program__in=programs_for(principal, manage=manage))


def terminal_business(principal: Principal) -> Business | None:
    """The business a POS terminal token stands for."""
    if principal.is_device and principal.token.kind == ApiToken.Kind.TERMINAL:
        return principal.token.business
    return None


def till_businesses(principal: Principal) -> QuerySet:
    """Businesses at whose till the caller may give and take points."""
    if business := terminal_business(principal):
        return Business.objects.filter(pk=business.pk)
    if principal.is_device:
        return Business.objects.none()
    own = principal.ids(Role.MERCHANT, "business")
    if principal.is_superuser:
        return Business.objects.all()
    return Business.objects.filter(pk__in=own)


def statement_businesses(principal: Principal) -> QuerySet:
    """Businesses whose statements the caller may read: managers all of their
    districts', merchants their own."""
    managed = businesses_for(principal, manage=True).filter(
        district__in=districts_for(principal, manage=True)
    )
    own = principal.ids(Role.MERCHANT, "business")
    return Business.objects.filter(pk__in=managed) | Business.objects.filter(pk__in=own)


def transactions_for(principal: Principal) -> QuerySet:
    """Ledger transactions: a till sees its own business's, a manager its programmes'."""
    managed = programs_for(principal, manage=True)
    tills = till_businesses(principal)
    return LedgerTransaction.objects.filter(program__in=managed) | LedgerTransaction.objects.filter(
        business__in=tills
    )


def require_manager(principal: Principal, program: Program) -> None:
    if not programs_for(principal, manage=True).filter(pk=program.pk).exists():
        raise Forbidden("Only the district's managers may do this.", code="role_forbidden")

"""What a caller may see and change in the check-ins app, built on accounts.scoping."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from distretto.accounts.models import ApiToken, Role
from distretto.accounts.scoping import Principal, districts_for
from distretto.checkins.models import Attempt, Badge, CheckinPoint, Route
from distretto.core.errors import Forbidden
from distretto.territory.models import District


def points_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    """Venues of the districts the caller sees (with ``manage``: runs)."""
    districts = districts_for(principal, manage=manage)
    return CheckinPoint.objects.filter(business__district__in=districts)


def code_points_for(principal: Principal) -> QuerySet:
    """Venues whose current code the caller may show: the district's managers, the
    venue's own merchant, and the venue's terminal token (its screen)."""
    if principal.is_device:
        if principal.token.kind == ApiToken.Kind.TERMINAL:
            return CheckinPoint.objects.filter(business=principal.token.business_id)
        return CheckinPoint.objects.none()
    own = principal.ids(Role.MERCHANT, "business")
    managed = districts_for(principal, manage=True)
    return CheckinPoint.objects.filter(Q(business__district__in=managed) | Q(business__in=own))


def managed_districts(principal: Principal) -> QuerySet:
    return districts_for(principal, manage=True)


def attempts_for(principal: Principal) -> QuerySet:
    return Attempt.objects.filter(point__in=points_for(principal, manage=True))


def routes_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    return Route.objects.filter(district__in=districts_for(principal, manage=manage))


def badges_for(principal: Principal, *, manage: bool = False) -> QuerySet:
    return Badge.objects.filter(district__in=districts_for(principal, manage=manage))


def require_manager(principal: Principal, district: District) -> None:
    if not districts_for(principal, manage=True).filter(pk=district.pk).exists():
        raise Forbidden("Only the district's managers may do this.", code="role_forbidden")

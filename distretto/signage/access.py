"""What a caller may see and change in the signage app, built on accounts.scoping.

Managers (and chamber operators) run their districts' totems and content; a merchant
sees and proposes only its own businesses' content and media; a display token sees
nothing here but its own manifest (see ``auth.py``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from distretto.accounts.models import Role
from distretto.accounts.scoping import Principal, districts_for
from distretto.core.errors import Forbidden
from distretto.signage.models import (
    AlertFeed,
    Content,
    Display,
    DisplayGroup,
    MediaAsset,
    PlayDaily,
)


def managed_districts(principal: Principal) -> QuerySet:
    return districts_for(principal, manage=True)


def is_manager_of(principal: Principal, district_id: int) -> bool:
    return managed_districts(principal).filter(pk=district_id).exists()


def require_manager_of(principal: Principal, district_id: int) -> None:
    if not is_manager_of(principal, district_id):
        raise Forbidden("Only the district's managers may do this.", code="role_forbidden")


def own_business_ids(principal: Principal) -> set[int]:
    return principal.ids(Role.MERCHANT, "business")


def displays_for(principal: Principal) -> QuerySet:
    """Totems of the districts the caller manages."""
    return Display.objects.filter(district__in=managed_districts(principal))


def groups_for(principal: Principal) -> QuerySet:
    """Zones the caller may target: every zone of the districts it sees."""
    if principal.is_device:
        return DisplayGroup.objects.none()
    return DisplayGroup.objects.filter(district__in=districts_for(principal))


def contents_for(principal: Principal) -> QuerySet:
    """Managers: all their districts' content; merchants: their businesses' only."""
    return Content.objects.filter(
        Q(district__in=managed_districts(principal)) | Q(business__in=own_business_ids(principal))
    )


def media_for(principal: Principal) -> QuerySet:
    return MediaAsset.objects.filter(
        Q(district__in=managed_districts(principal)) | Q(business__in=own_business_ids(principal))
    )


def plays_for(principal: Principal) -> QuerySet:
    """Proof of play (daily aggregates): managers see their districts', merchants
    their own promotions'."""
    # The ids are read first: a literal list lets the database use the (district, day)
    # index over a million plays' aggregates instead of joining the scope in.
    districts = list(managed_districts(principal).values_list("pk", flat=True))
    return PlayDaily.objects.filter(
        Q(district_id__in=districts) | Q(business_id__in=own_business_ids(principal))
    )


def feeds_for(principal: Principal) -> QuerySet:
    """Alert feeds of the districts the caller manages."""
    return AlertFeed.objects.filter(district__in=managed_districts(principal))

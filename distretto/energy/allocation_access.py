"""Who may see and run heating-cost allocations, built on energy.access.

The site's managers and energy managers create, close and read every run. A
resident (the occupant of a unit) reads the closed runs of their site, and in them
their own unit's statement only. Anything else is out of scope: 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from distretto.accounts.scoping import Principal
from distretto.energy.access import is_manager_of, managed_sites
from distretto.energy.allocation_models import AllocationRun
from distretto.energy.models import Unit


def own_units(principal: Principal) -> QuerySet:
    """The units the caller occupies."""
    if not principal.is_person:
        return Unit.objects.none()
    return Unit.objects.filter(occupant=principal.user)


def runs_for(principal: Principal) -> QuerySet:
    """Runs of the sites the caller manages, and closed runs of the caller's own units."""
    if principal.is_device:
        return AllocationRun.objects.none()
    managed = Q(site__in=managed_sites(principal))
    own = Q(status=AllocationRun.Status.CLOSED, results__unit__in=own_units(principal))
    return AllocationRun.objects.filter(managed | own).distinct()


def statement_unit_ids(principal: Principal, run: AllocationRun) -> set[int] | None:
    """Units whose statements the caller may read in ``run``: None means all of them."""
    if is_manager_of(principal, run.site):
        return None
    return set(own_units(principal).filter(site=run.site_id).values_list("pk", flat=True))

"""What a caller may see and change in the energy app, built on accounts.scoping.

Sites belong to districts: the district's managers, the chamber's operators and
the district's energy managers (Role.ENERGY_MANAGER) run them. A resident (the
occupant of a unit) sees only their own unit and its meters. A gateway token acts
for the one gateway, which ingests for its own site only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from distretto.accounts.models import ApiToken, Role
from distretto.accounts.scoping import Principal, districts_for
from distretto.core.errors import Forbidden
from distretto.energy.models import Anomaly, Gateway, Meter, RejectedReading, Site, Unit
from distretto.territory.models import District


def gateway_of(principal: Principal) -> Gateway | None:
    """The gateway a gateway token stands for."""
    token = principal.token
    if principal.is_device and token.kind == ApiToken.Kind.GATEWAY:
        return Gateway.objects.filter(pk=token.device_id, active=True).first()
    return None


def site_districts(principal: Principal) -> QuerySet:
    """Districts whose sites the caller runs (and may add sites to)."""
    if principal.is_device:
        return District.objects.none()
    managed = districts_for(principal, manage=True).values("pk")
    energy = principal.ids(Role.ENERGY_MANAGER, "district")
    return District.objects.filter(Q(pk__in=managed) | Q(pk__in=energy))


def managed_sites(principal: Principal) -> QuerySet:
    """Sites the caller runs: managers and energy managers of their districts."""
    return Site.objects.filter(district__in=site_districts(principal))


def units_for(principal: Principal) -> QuerySet:
    """Units of the sites the caller runs, and the caller's own unit."""
    if principal.is_device:
        return Unit.objects.none()
    own = Q(occupant=principal.user) if principal.user else Q(pk__in=[])
    return Unit.objects.filter(Q(site__in=managed_sites(principal)) | own)


def meters_for(principal: Principal) -> QuerySet:
    if principal.is_device:
        return Meter.objects.none()
    own = Q(unit__occupant=principal.user) if principal.user else Q(pk__in=[])
    return Meter.objects.filter(Q(site__in=managed_sites(principal)) | own)


def gateways_for(principal: Principal) -> QuerySet:
    return Gateway.objects.filter(site__in=managed_sites(principal))


def rejections_for(principal: Principal) -> QuerySet:
    """Rejected input of the caller's sites, and what the caller sent that named none."""
    mine = Q(site__isnull=True, submitted_by=principal.user) if principal.user else Q(pk__in=[])
    return RejectedReading.objects.filter(Q(site__in=managed_sites(principal)) | mine)


def anomalies_for(principal: Principal) -> QuerySet:
    return Anomaly.objects.filter(site__in=managed_sites(principal))


def ingest_site_ids(principal: Principal) -> list[int]:
    """Sites whose meters the caller may send readings for."""
    if gateway := gateway_of(principal):
        return [gateway.site_id]
    if principal.is_device:
        return []
    return list(managed_sites(principal).values_list("pk", flat=True))


def is_manager_of(principal: Principal, site: Site) -> bool:
    return managed_sites(principal).filter(pk=site.pk).exists()


def require_manager(principal: Principal, site: Site) -> None:
    if not is_manager_of(principal, site):
        raise Forbidden(_("Only the site's managers may do this."), code="role_forbidden")

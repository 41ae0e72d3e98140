"""Catalog services: public service types, what venues offer, services delivered.

Other apps (``multiservice``) use the information point only through the
functions of this module.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from distretto.catalog.models import ServiceDelivery, ServiceType, VenueService
from distretto.core.errors import Invalid

DATA_DIR = Path(__file__).resolve().parent / "data"
SERVICE_TYPES_CSV = DATA_DIR / "service_types.csv"


# --- Service types ----------------------------------------------------------------------


def _service_type_rows() -> list[dict]:
    with SERVICE_TYPES_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _service_type_values(row: dict) -> dict:
    values: dict = {"position": int(row["position"] or 0)}
    for field in ("name", "description", "what_to_bring"):
        for lang in ("it", "en", "fr", "de"):
            key = f"{field}_{lang}"
            if key in row:
                values[field if lang == "it" else key] = (row[key] or "").strip()
    cost = (row.get("cost") or "").strip()
    try:
        values["cost"] = Decimal(cost) if cost else None
    except InvalidOperation:
        values["cost"] = None
    return values


def ensure_service_types() -> None:
    """Create the bundled service types that are missing (``data/service_types.csv``).

    Idempotent, and it leaves existing types alone so that a manager's edits
    survive a re-run (the demo calls it on every seed).
    """
    existing = set(ServiceType.objects.values_list("code", flat=True))
    missing = [row for row in _service_type_rows() if row["code"] not in existing]
    if not missing:
        return
    with transaction.atomic():
        for row in missing:
            ServiceType.objects.get_or_create(code=row["code"], defaults=_service_type_values(row))


def service_types() -> QuerySet[ServiceType]:
    """Active service types in catalogue order."""
    return ServiceType.objects.filter(active=True)


def get_service_type(code: str) -> ServiceType:
    """The service type with ``code``; Invalid(field="service_type") if unknown."""
    try:
        return ServiceType.objects.get(code=str(code))
    except ServiceType.DoesNotExist:
        raise Invalid(f"Unknown service type: {code}.", field="service_type") from None


# --- Venue services ---------------------------------------------------------------------


def venue_services(venue) -> QuerySet[VenueService]:
    """The active services a venue offers, in catalogue order."""
    return VenueService.objects.filter(
        venue=venue, active=True, service_type__active=True
    ).select_related("service_type")


# --- Deliveries -------------------------------------------------------------------------


def record_delivery(
    *,
    venue,
    service_type: ServiceType | str,
    on: dt.date,
    count: int,
    people: int | None = None,
    by=None,
) -> ServiceDelivery:
    """Record that ``venue`` delivered ``count`` services of a type on day ``on``."""
    if not isinstance(service_type, ServiceType):
        service_type = get_service_type(service_type)
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise Invalid("The count must be a whole number above zero.", field="count")
    if people is not None and (
        isinstance(people, bool) or not isinstance(people, int) or people < 0
    ):
        raise Invalid("People served must be a whole number, zero or more.", field="people")
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise Invalid("The date must be a calendar date.", field="date")
    if on > timezone.localdate():
        raise Invalid("A delivery cannot be recorded in the future.", field="date")
    recorder = by if by is not None and getattr(by, "is_authenticated", False) else None
    return ServiceDelivery.objects.create(
        venue=venue,
        service_type=service_type,
        date=on,
        count=count,
        people=people,
        recorded_by=recorder,
    )


def deliveries(
    venues: QuerySet,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[ServiceDelivery]:
    """Deliveries at ``venues`` between two days (both included), newest first."""
    queryset = ServiceDelivery.objects.filter(venue__in=venues).select_related(
        "service_type", "venue"
    )
    if date_from is not None:
        queryset = queryset.filter(date__gte=date_from)
    if date_to is not None:
        queryset = queryset.filter(date__lte=date_to)
    return queryset

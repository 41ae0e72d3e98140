"""Catalog services: public service types, what venues offer, services delivered.

Other apps (``multiservice``) use the information point only through the
functions of this module.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from distretto.catalog import i18n
from distretto.catalog.importing import import_products, unique_slug
from distretto.catalog.models import (
    Product,
    ServiceDelivery,
    ServiceType,
    VenueProfile,
    VenueService,
)
from distretto.core.errors import Invalid
from distretto.territory.geo import distance_km
from distretto.territory.models import Business

DATA_DIR = Path(__file__).resolve().parent / "data"
SERVICE_TYPES_CSV = DATA_DIR / "service_types.csv"
PRODUCTS_CSV = DATA_DIR / "products.csv"


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


# --- Products ----------------------------------------------------------------------------


def ensure_reference_products() -> None:
    """Import the bundled reference list of typical products (idempotent)."""
    with PRODUCTS_CSV.open("rb") as fh:
        report = import_products(fh)
    if not report.written:  # a broken bundled file is a bug, not user input
        raise RuntimeError(f"Bundled products.csv has bad rows: {report.errors[:3]}")


def products() -> QuerySet[Product]:
    """Active typical products, alphabetical."""
    return Product.objects.filter(active=True)


def designation_is(designation: str, prefix: str = "") -> Q:
    """Products shown with ``designation``: an unconfirmed PAT counts as 'other'."""
    pat, other = Product.Designation.PAT, Product.Designation.OTHER
    confirmed = {f"{prefix}designation_confirmed": True}
    if designation.upper() == pat:
        return Q(**{f"{prefix}designation": pat}, **confirmed)
    match = Q(**{f"{prefix}designation__iexact": designation})
    if designation.lower() == other:
        match |= Q(**{f"{prefix}designation": pat}) & ~Q(**confirmed)
    return match


def filter_products(
    queryset: QuerySet[Product],
    *,
    category: str | None = None,
    designation: str | None = None,
    region: str | None = None,
    comune: str | None = None,
    venue: int | None = None,
    q: str | None = None,
) -> QuerySet[Product]:
    """Narrow products; ``comune`` is an ISTAT code or a name (origin or where sold)."""
    if category:
        queryset = queryset.filter(category=category)
    if designation:
        queryset = queryset.filter(designation_is(designation))
    if region:
        queryset = queryset.filter(region__iexact=region)
    if comune:
        match = Q(comuni__istat_code=comune) | Q(venues__comune__istat_code=comune)
        if not comune.isdigit():
            match = Q(comuni__name__iexact=comune) | Q(venues__comune__name__iexact=comune)
        queryset = queryset.filter(match).distinct()
    if venue is not None:
        queryset = queryset.filter(venues=venue)
    if q:
        for word in q.split()[:6]:
            queryset = queryset.filter(
                text_query(word, ["name", "description"], ("origin", "region"))
                | Q(category__in=categories_matching(word))
            )
        queryset = queryset.distinct()
    return queryset


def categories_matching(word: str) -> list[str]:
    """Product categories whose name in any content language contains the word, singular
    or plural: "formaggio" finds Formaggi, "cheese" finds Cheeses."""
    stem = word.lower()[:-1] if len(word) > 4 else word.lower()
    if len(stem) < 3:
        return []
    found = set()
    for lang in i18n.CONTENT_LANGUAGES:
        with translation.override(lang):
            found |= {key for key, label in Product.Category.choices if stem in str(label).lower()}
    return sorted(found)


def text_query(q: str, translated: list[str], plain: tuple[str, ...] = ()) -> Q:
    """Every word of ``q`` must appear in one of the columns (translated ones in any
    language)."""
    query = Q()
    for word in q.split()[:6]:
        any_column = Q()
        for field in translated:
            for column in i18n.columns(field):
                any_column |= Q(**{f"{column}__icontains": word})
        for column in plain:
            any_column |= Q(**{f"{column}__icontains": word})
        query &= any_column
    return query


def save_product(product: Product | None, fields: dict) -> Product:
    """Create (``product`` None) or change a product; validation errors name the field."""
    creating = product is None
    product = product or Product()
    comuni = fields.pop("comuni", None)
    producers = fields.pop("producers", None)
    venues = fields.pop("venues", None)
    for name, value in fields.items():
        setattr(product, name, "" if value is None and name in _BLANK_TEXT else value)
    if (product.season_from is None) != (product.season_to is None):
        raise Invalid("Give both months of the season, or neither.", field="season_to")
    if creating or not product.slug:
        product.slug = unique_slug(product.name, product.region)
    product.full_clean()
    with transaction.atomic():
        product.save()
        if comuni is not None:
            product.comuni.set(comuni)
        if producers is not None:
            product.producers.set(producers)
        if venues is not None:
            product.venues.set(venues)
    return product


_BLANK_TEXT = {
    "origin",
    *i18n.columns("description"),
    *[c for c in i18n.columns("name") if c != "name"],
}


# --- Venues ------------------------------------------------------------------------------


def public_venues() -> QuerySet[Business]:
    """Businesses with a published information-point page."""
    return Business.objects.filter(active=True, catalog_profile__published=True).select_related(
        "catalog_profile", "comune", "district"
    )


def filter_venues(
    queryset: QuerySet[Business],
    *,
    district: str | None = None,
    comune: str | None = None,
    service_type: str | None = None,
    category: str | None = None,
    designation: str | None = None,
    product: int | None = None,
    q: str | None = None,
) -> QuerySet[Business]:
    """Narrow venues by place, by a service they offer, by the products found there."""
    if district:
        key = Q(district__pk=district) if district.isdigit() else Q(district__slug=district)
        queryset = queryset.filter(key)
    if comune:
        key = Q(comune__istat_code=comune) if comune.isdigit() else Q(comune__name__iexact=comune)
        queryset = queryset.filter(key)
    if service_type:
        queryset = queryset.filter(
            catalog_services__service_type__code=service_type, catalog_services__active=True
        )
    if category:
        queryset = queryset.filter(catalog_products__category=category)
    if designation:
        queryset = queryset.filter(designation_is(designation, "catalog_products__"))
    if product is not None:
        queryset = queryset.filter(catalog_products=product)
    if q:
        for word in q.split()[:6]:
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(address__icontains=word)
                | Q(comune__name__icontains=word)
                | Q(catalog_profile__intro__icontains=word)
            )
    return queryset.distinct()


def venue_profile(venue: Business) -> VenueProfile:
    """The venue's page, created unpublished if missing (an editor publishes it)."""
    profile, _created = VenueProfile.objects.get_or_create(
        venue=venue, defaults={"published": False}
    )
    return profile


def update_venue(venue: Business, fields: dict) -> VenueProfile:
    """Change the page texts (any language), publication, kiosk pace."""
    profile = venue_profile(venue)
    for name, value in fields.items():
        if value is None and name in {"published", "kiosk_seconds"}:
            continue  # null clears a text, but there is nothing to clear here
        setattr(profile, name, value if value is not None else "")
    profile.full_clean()
    profile.save()
    return profile


def offer_service(
    venue: Business,
    service_type: ServiceType | str,
    *,
    opening_hours: dict | None = None,
    contact: str = "",
    notes: dict[str, str] | None = None,
    active: bool = True,
) -> VenueService:
    """Say that ``venue`` offers a service (with its own hours and contact); idempotent."""
    offer = _offer(venue, service_type, opening_hours, active)
    offer.contact = contact or ""
    for lang in i18n.CONTENT_LANGUAGES:
        setattr(offer, i18n.column("notes", lang), (notes or {}).get(lang, "") or "")
    return _save_offer(offer)


def list_service(
    venue: Business, service_type: ServiceType | str, *, opening_hours: dict
) -> VenueService:
    """Offer a service at ``venue`` with these hours, keeping the contact and notes an
    editor gave it: for apps that own the hours of an offer (``multiservice``)."""
    return _save_offer(_offer(venue, service_type, opening_hours, True))


def _offer(
    venue: Business, service_type: ServiceType | str, opening_hours: dict | None, active: bool
) -> VenueService:
    """The venue's offer of ``service_type`` (new if missing) with hours and state set."""
    if not isinstance(service_type, ServiceType):
        service_type = get_service_type(service_type)
    offer = VenueService.objects.filter(venue=venue, service_type=service_type).first()
    offer = offer or VenueService(venue=venue, service_type=service_type)
    offer.opening_hours = opening_hours or {}
    offer.active = active
    return offer


def _save_offer(offer: VenueService) -> VenueService:
    offer.full_clean(validate_unique=False)
    offer.save()
    return offer


def withdraw_service(venue: Business, service_type: ServiceType | str) -> None:
    """Stop offering a service at ``venue`` (nothing happens if it was not offered)."""
    if not isinstance(service_type, ServiceType):
        service_type = get_service_type(service_type)
    VenueService.objects.filter(venue=venue, service_type=service_type).delete()


def set_venue_products(venue: Business, products_: QuerySet[Product] | list[Product]) -> None:
    """The products one can taste or buy at ``venue`` (replaces the list)."""
    venue.catalog_products.set(products_)


# --- Near me ----------------------------------------------------------------------------


def venues_near(
    queryset: QuerySet[Business], lat: float, lon: float, *, radius_km: float = 50, limit: int = 20
) -> list[tuple[Business, float]]:
    """Venues within ``radius_km`` of a point, nearest first, with their distance."""
    if not (-90 <= lat <= 90):
        raise Invalid("Latitude must be between -90 and 90.", field="lat")
    if not (-180 <= lon <= 180):
        raise Invalid("Longitude must be between -180 and 180.", field="lon")
    if not (0 < radius_km <= 500):
        raise Invalid("The radius must be between 0 and 500 km.", field="radius")
    # A bounding box lets the database drop far venues before the exact distance.
    dlat = radius_km / 111.0
    dlon = radius_km / max(1.0, 111.0 * math.cos(math.radians(lat)))
    box = queryset.filter(
        lat__isnull=False,
        lon__isnull=False,
        lat__range=(lat - dlat, lat + dlat),
        lon__range=(lon - dlon, lon + dlon),
    )
    found = [(v, distance_km(lat, lon, v.lat, v.lon)) for v in box]
    found = [(v, km) for v, km in found if km <= radius_km]
    found.sort(key=lambda pair: (pair[1], pair[0].pk))
    return found[:limit]


# --- Opening hours ----------------------------------------------------------------------

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


@dataclass(frozen=True)
class HoursLine:
    day: str
    label: str
    ranges: str  # "09:00–12:30, 15:30–19:30", empty when closed


def hours_lines(hours: dict) -> list[HoursLine]:
    """One line per weekday, Monday first, for pages."""
    return [
        HoursLine(
            day,
            str(WEEKDAY_LABELS[day]),
            ", ".join(f"{opens}–{closes}" for opens, closes in hours.get(day, [])),
        )
        for day in WEEKDAYS
    ]


def is_open(hours: dict, when: dt.datetime | None = None) -> bool:
    """Whether ``hours`` include ``when`` (local time; default now)."""
    when = timezone.localtime(when) if when is not None else timezone.localtime()
    now = when.strftime("%H:%M")
    return any(opens <= now < closes for opens, closes in hours.get(WEEKDAYS[when.weekday()], []))

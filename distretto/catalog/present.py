"""Products, services and venues as plain dicts in one language, for the API and pages."""

from __future__ import annotations

from django.urls import reverse

from distretto.catalog import i18n, services
from distretto.catalog.models import Product, ServiceType, VenueService
from distretto.territory.models import Business


def money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _url(field) -> str | None:
    return field.url if field else None


def service_type(st: ServiceType, lang: str) -> dict:
    return {
        "code": st.code,
        "name": st.label(lang),
        "description": st.text("description", lang),
        "what_to_bring": st.text("what_to_bring", lang),
        "cost": money(st.cost),
        "lang": lang,
    }


def venue_service(offer: VenueService, lang: str) -> dict:
    return {
        **service_type(offer.service_type, lang),
        "opening_hours": offer.hours(),
        "contact": offer.contact,
        "notes": i18n.pick(offer, "notes", lang),
    }


def product_brief(product: Product, lang: str) -> dict:
    return {
        "id": product.pk,
        "slug": product.slug,
        "name": product.label(lang),
        "category": product.category,
        "designation": product.shown_designation,
        "region": product.region,
        "thumbnail_url": _url(product.thumbnail),
    }


def product(product: Product, lang: str) -> dict:
    return {
        **product_brief(product, lang),
        "name_it": product.name,
        "category_label": str(product.get_category_display()),
        "origin": product.origin,
        "source": product.source,
        "designation_claimed": product.designation,
        "designation_confirmed": product.designation_confirmed,
        "comuni": [c.name for c in product.comuni.all()],
        "season_from": product.season_from,
        "season_to": product.season_to,
        "description": product.text("description", lang),
        "photo_url": _url(product.photo),
        "producers": [{"id": b.pk, "name": b.name} for b in product.producers.all()],
        "venues": [{"id": b.pk, "name": b.name} for b in product.venues.all()],
        "url": reverse("catalog:product", args=[product.slug]),
        "lang": lang,
    }


def venue_item(venue: Business, distance_km: float | None = None) -> dict:
    return {
        "id": venue.pk,
        "name": venue.name,
        "category": venue.category,
        "address": venue.address,
        "comune": venue.comune.name if venue.comune_id else None,
        "district": venue.district.slug,
        "lat": venue.lat,
        "lon": venue.lon,
        "distance_km": None if distance_km is None else round(distance_km, 2),
        "services": [
            o.service_type.code
            for o in venue.catalog_services.all()
            if o.active and o.service_type.active
        ],
        "url": reverse("catalog:venue", args=[venue.pk]),
    }


def venue(venue: Business, lang: str) -> dict:
    profile = services.venue_profile(venue)
    offers = services.venue_services(venue)
    return {
        **venue_item(venue),
        "phone": venue.phone,
        "email": venue.email,
        "website": venue.website,
        "published": profile.published,
        "intro": profile.text("intro", lang),
        "how_to_reach": profile.text("how_to_reach", lang),
        "opening_hours": venue.opening_hours or {},
        "open_now": services.is_open(venue.opening_hours or {}),
        "photo_url": _url(profile.photo),
        "services": [venue_service(o, lang) for o in offers],
        "products": [product_brief(p, lang) for p in venue.catalog_products.filter(active=True)],
        "kiosk_url": reverse("catalog:kiosk", args=[venue.pk]),
        "lang": lang,
    }

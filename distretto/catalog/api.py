"""The information point's REST API: /api/v1/catalog/...

Reading is public (visitors, kiosks, other sites): products, service types,
venues. Editors use a personal token or the session: district managers and
chamber operators edit products and their district's venues; a merchant edits
its own venue. A venue outside the caller's scope is 404.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from ninja import File, Query, Router, Status, UploadedFile

from distretto.accounts.scoping import get_in_scope, require_write
from distretto.catalog import access, i18n, images, importing, present, services
from distretto.catalog.models import Product, VenueService
from distretto.catalog.schemas import (
    ImportOut,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    ServiceTypePage,
    VenueDeliveryIn,
    VenueDeliveryOut,
    VenueDeliveryPage,
    VenueFilters,
    VenueOut,
    VenuePage,
    VenuePatch,
    VenueProductsIn,
    VenueServiceIn,
)
from distretto.core.errors import Invalid
from distretto.core.pagination import paginate
from distretto.territory.models import Comune

router = Router(tags=["catalog"])


def _lang(lang: str | None) -> str:
    return i18n.normalize(lang)


def _page(result: dict, shape) -> dict:
    result["items"] = [shape(item) for item in result["items"]]
    return result


def _products():
    return services.products().prefetch_related("comuni", "producers", "venues")


def _venues():
    offers = VenueService.objects.select_related("service_type")
    return services.public_venues().prefetch_related(Prefetch("catalog_services", offers))


# --- Service types ----------------------------------------------------------------------


@router.get("/services", response=ServiceTypePage, auth=None)
def list_service_types(
    request: HttpRequest, lang: str | None = None, limit: int = 50, offset: int = 0
):
    """The public services a venue can offer, in catalogue order."""
    code = _lang(lang)
    return _page(
        paginate(services.service_types(), limit, offset), lambda st: present.service_type(st, code)
    )


# --- Products ---------------------------------------------------------------------------


def _check_product_filters(category: str | None, designation: str | None) -> None:
    if category and category not in Product.Category.values:
        raise Invalid(f"Unknown category: {category}.", field="category")
    if designation and designation not in Product.Designation.values:
        raise Invalid(f"Unknown designation: {designation}.", field="designation")


@router.get("/products", response=ProductPage, auth=None)
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    _check_product_filters(filters.category, filters.designation)
    queryset = services.filter_products(
        _products().order_by("-id"), **filters.dict(exclude={"limit", "offset", "lang"})
    )
    code = _lang(filters.lang)
    return _page(
        paginate(queryset, filters.limit, filters.offset), lambda p: present.product(p, code)
    )


@router.get("/products/export.csv", auth=None)
def export_products(request: HttpRequest):
    response = HttpResponse(
        importing.products_csv(services.products()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="prodotti-tipici.csv"'
    return response


@router.post("/products/import", response=ImportOut)
def import_products(request: HttpRequest, file: File[UploadedFile], skip_bad: bool = False):
    access.require_product_editor(request.auth)
    try:
        report = importing.import_products(file.read(), skip_bad=skip_bad)
    except importing.ImportFileError as exc:
        raise Invalid(str(exc), field="file") from None
    return report.as_dict()


@router.get("/products/{product_id}", response=ProductOut, auth=None)
def get_product(request: HttpRequest, product_id: int, lang: str | None = None):
    return present.product(get_in_scope(_products(), product_id, "product"), _lang(lang))


def _product_links(request: HttpRequest, fields: dict) -> dict:
    """Ids in the payload to objects; a business out of the caller's scope is 404."""
    if fields.get("comuni") is not None:
        codes = [str(code).zfill(6) for code in fields["comuni"]]
        found = list(Comune.objects.in_force().filter(pk__in=codes))
        if len(found) != len(set(codes)):
            raise Invalid("Unknown comune ISTAT code.", field="comuni")
        fields["comuni"] = found
    linkable = access.linkable_businesses(request.auth)
    for name in ("producers", "venues"):
        if fields.get(name) is not None:
            fields[name] = [get_in_scope(linkable, pk, "business") for pk in fields[name]]
    return fields


@router.post("/products", response={201: ProductOut})
def create_product(request: HttpRequest, payload: ProductIn):
    access.require_product_editor(request.auth)
    product = services.save_product(None, _product_links(request, payload.dict()))
    return Status(201, present.product(product, i18n.FALLBACK))


@router.patch("/products/{product_id}", response=ProductOut)
def update_product(request: HttpRequest, product_id: int, payload: ProductPatch):
    product = get_in_scope(Product.objects.all(), product_id, "product")
    access.require_product_editor(request.auth)
    fields = _product_links(request, payload.dict(exclude_unset=True))
    return present.product(services.save_product(product, fields), i18n.FALLBACK)


@router.post("/products/{product_id}/photo", response=ProductOut)
def upload_product_photo(request: HttpRequest, product_id: int, photo: File[UploadedFile]):
    product = get_in_scope(Product.objects.all(), product_id, "product")
    access.require_product_editor(request.auth)
    images.attach_photo(product, photo)
    return present.product(product, i18n.FALLBACK)


# --- Venues -----------------------------------------------------------------------------


@router.get("/venues", response=VenuePage, auth=None, url_name="catalog_venues")
def list_venues(request: HttpRequest, filters: Query[VenueFilters]):
    """Published venues; with ``lat`` and ``lon``, those within ``radius`` km, nearest first."""
    _check_product_filters(filters.category, filters.designation)
    queryset = services.filter_venues(
        _venues().order_by("-id"),
        **filters.dict(exclude={"limit", "offset", "lang", "lat", "lon", "radius"}),
    )
    if (filters.lat is None) != (filters.lon is None):
        raise Invalid("Give both lat and lon.", field="lon" if filters.lon is None else "lat")
    if filters.lat is not None:
        near = services.venues_near(queryset, filters.lat, filters.lon, radius_km=filters.radius)
        result = paginate(_ListQuery(near), filters.limit, filters.offset)
        return _page(result, lambda pair: present.venue_item(*pair))
    return _page(paginate(queryset, filters.limit, filters.offset), present.venue_item)


class _ListQuery(list):
    """A computed list that ``paginate`` can count and slice like a queryset."""

    def count(self) -> int:  # type: ignore[override]
        return len(self)


@router.get("/venues/{venue_id}", response=VenueOut, auth=None)
def get_venue(request: HttpRequest, venue_id: int, lang: str | None = None):
    return present.venue(get_in_scope(_venues(), venue_id, "venue"), _lang(lang))


def _editable(request: HttpRequest, venue_id: int):
    venue = get_in_scope(access.editable_venues(request.auth), venue_id, "venue")
    require_write(request.auth)
    return venue


@router.patch("/venues/{venue_id}", response=VenueOut)
def update_venue(request: HttpRequest, venue_id: int, payload: VenuePatch):
    venue = _editable(request, venue_id)
    services.update_venue(venue, payload.dict(exclude_unset=True))
    return present.venue(venue, i18n.FALLBACK)


@router.post("/venues/{venue_id}/photo", response=VenueOut)
def upload_venue_photo(request: HttpRequest, venue_id: int, photo: File[UploadedFile]):
    venue = _editable(request, venue_id)
    images.attach_photo(services.venue_profile(venue), photo)
    return present.venue(venue, i18n.FALLBACK)


@router.put("/venues/{venue_id}/services/{code}", response=VenueOut)
def offer_service(request: HttpRequest, venue_id: int, code: str, payload: VenueServiceIn):
    venue = _editable(request, venue_id)
    unknown = set(payload.notes) - set(i18n.CONTENT_LANGUAGES)
    if unknown:
        raise Invalid(f"Unknown language: {', '.join(sorted(unknown))}.", field="notes")
    services.offer_service(venue, code, **payload.dict())
    return present.venue(venue, i18n.FALLBACK)


@router.delete("/venues/{venue_id}/services/{code}", response={204: None})
def withdraw_service(request: HttpRequest, venue_id: int, code: str):
    venue = _editable(request, venue_id)
    services.withdraw_service(venue, code)
    return Status(204, None)


@router.put("/venues/{venue_id}/products", response=VenueOut)
def set_venue_products(request: HttpRequest, venue_id: int, payload: VenueProductsIn):
    venue = _editable(request, venue_id)
    found = list(services.products().filter(pk__in=payload.products))
    if len(found) != len(set(payload.products)):
        raise Invalid("Unknown product id.", field="products")
    services.set_venue_products(venue, found)
    return present.venue(venue, i18n.FALLBACK)


def _delivery_out(delivery) -> dict:
    return {
        "id": delivery.pk,
        "venue": delivery.venue_id,
        "service_type": delivery.service_type.code,
        "date": delivery.date,
        "count": delivery.count,
        "people": delivery.people,
        "created_at": delivery.created_at,
    }


@router.get("/venues/{venue_id}/deliveries", response=VenueDeliveryPage)
def list_deliveries(request: HttpRequest, venue_id: int, limit: int = 50, offset: int = 0):
    venue = get_in_scope(access.editable_venues(request.auth), venue_id, "venue")
    queryset = services.deliveries(type(venue).objects.filter(pk=venue.pk))
    return _page(paginate(queryset, limit, offset), _delivery_out)


@router.post("/venues/{venue_id}/deliveries", response={201: VenueDeliveryOut})
def record_delivery(request: HttpRequest, venue_id: int, payload: VenueDeliveryIn):
    venue = _editable(request, venue_id)
    delivery = services.record_delivery(
        venue=venue,
        service_type=payload.service_type,
        on=payload.date,
        count=payload.count,
        people=payload.people,
        by=request.auth.user,
    )
    return Status(201, _delivery_out(delivery))

"""Public pages of the information point (search, near me, venue, product, service,
kiosk) and the editors' pages (venue editing, product CSV import and export).

Pages are kept light for slow phone connections: no framework beyond the
vendored Leaflet (only where there is a map) and htmx (only on search).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from distretto.accounts.scoping import principal_for_user
from distretto.catalog import access, i18n, images, importing, present, services
from distretto.catalog.forms import (
    DeliveryForm,
    ImportForm,
    VenueProductsForm,
    VenueProfileForm,
    VenueServiceForm,
)
from distretto.catalog.models import Product, VenueService
from distretto.core.errors import DomainError

SEARCH_LIMIT = 30


def _lang() -> str:
    return i18n.normalize(None)


def _public_venues():
    offers = VenueService.objects.filter(active=True).select_related("service_type")
    return services.public_venues().prefetch_related(Prefetch("catalog_services", offers))


def _point(venue) -> dict:
    return {
        "id": venue.pk,
        "name": venue.name,
        "lat": venue.lat,
        "lon": venue.lon,
        "url": reverse("catalog:venue", args=[venue.pk]),
        "address": venue.address,
    }


# --- Public pages -------------------------------------------------------------------------


def search(request: HttpRequest) -> HttpResponse:
    """Search across products, venues and services; the landing page of the catalogue."""
    lang = _lang()
    q = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    designation = request.GET.get("designation", "")
    category = category if category in Product.Category.values else ""
    designation = designation if designation in Product.Designation.values else ""
    products = services.filter_products(
        services.products(), q=q or None, category=category, designation=designation
    ).order_by("name")
    venues = services.filter_venues(
        _public_venues(), q=q or None, category=category, designation=designation
    ).order_by("name")
    service_types = services.service_types()
    if q:
        service_types = service_types.filter(services.text_query(q, ["name"]))
    elif category or designation:
        service_types = service_types.none()
    context = {
        "q": q,
        "category": category,
        "designation": designation,
        "categories": Product.Category.choices,
        "designations": Product.Designation.choices,
        "products": [present.product_brief(p, lang) for p in products[:SEARCH_LIMIT]],
        "product_count": products.count(),
        "venues": list(venues[:SEARCH_LIMIT]),
        "venue_count": venues.count(),
        "service_types": [(st, st.label(lang)) for st in service_types],
        "searched": bool(q or category or designation),
    }
    template = (
        "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/search.html"
    )
    return render(request, template, context)


def near_me(request: HttpRequest) -> HttpResponse:
    """Venues near the visitor: the browser's location, then the venues API."""
    lang = _lang()
    labels = {st.code: st.label(lang) for st in services.service_types()}
    return render(request, "catalog/near.html", {"radius": 50, "labels": labels})


def venue_page(request: HttpRequest, venue_id: int) -> HttpResponse:
    lang = _lang()
    venue = get_object_or_404(_public_venues(), pk=venue_id)
    profile = venue.catalog_profile
    offers = [
        {
            "type": o.service_type,
            "name": o.service_type.label(lang),
            "description": o.service_type.text("description", lang),
            "what_to_bring": o.service_type.text("what_to_bring", lang),
            "cost": o.service_type.cost,
            "hours": services.hours_lines(o.opening_hours) if o.opening_hours else None,
            "contact": o.contact,
            "notes": i18n.pick(o, "notes", lang),
        }
        for o in venue.catalog_services.all()
    ]
    products = [
        present.product_brief(p, lang)
        for p in venue.catalog_products.filter(active=True).order_by("name")
    ]
    hours = venue.opening_hours or {}
    return render(
        request,
        "catalog/venue.html",
        {
            "venue": venue,
            "profile": profile,
            "intro": profile.text("intro", lang),
            "how_to_reach": profile.text("how_to_reach", lang),
            "hours": services.hours_lines(hours) if hours else None,
            "open_now": services.is_open(hours),
            "offers": offers,
            "products": products,
            "point": _point(venue) if venue.lat is not None else None,
            "can_edit": request.user.is_authenticated
            and access.editable_venues(principal_for_user(request.user))
            .filter(pk=venue.pk)
            .exists(),
        },
    )


def product_page(request: HttpRequest, slug: str) -> HttpResponse:
    lang = _lang()
    product = get_object_or_404(services.products(), slug=slug)
    venues = list(_public_venues().filter(catalog_products=product).order_by("name"))
    return render(
        request,
        "catalog/product.html",
        {
            "product": product,
            "name": product.label(lang),
            "story": product.text("description", lang),
            "season": _season(product),
            "producers": product.producers.filter(active=True).order_by("name"),
            "comuni": product.comuni.all(),
            "venues": venues,
            "points": [_point(v) for v in venues if v.lat is not None],
        },
    )


def _season(product: Product) -> str:
    if product.season_from is None:
        return ""
    from django.utils.dates import MONTHS

    if (product.season_from, product.season_to) == (1, 12):
        return _("All year")
    return f"{MONTHS[product.season_from]} – {MONTHS[product.season_to]}"


def service_page(request: HttpRequest, code: str) -> HttpResponse:
    lang = _lang()
    service_type = get_object_or_404(services.service_types(), code=code)
    venues = _public_venues().filter(
        catalog_services__service_type=service_type, catalog_services__active=True
    )
    return render(
        request,
        "catalog/service.html",
        {
            "service_type": service_type,
            "name": service_type.label(lang),
            "description": service_type.text("description", lang),
            "what_to_bring": service_type.text("what_to_bring", lang),
            "venues": venues.distinct().order_by("name"),
        },
    )


def kiosk(request: HttpRequest, venue_id: int) -> HttpResponse:
    """Full-screen page for an in-venue screen: slides of products and services."""
    lang = _lang()
    venue = get_object_or_404(_public_venues(), pk=venue_id)
    profile = venue.catalog_profile
    hours = venue.opening_hours or {}
    slides = [
        {
            "kind": "product",
            "title": p.label(lang),
            "badge": p.designation if p.designation != "other" else "",
            "subtitle": p.get_category_display(),
            "text": p.text("description", lang),
            "image": p.photo.url if p.photo else "",
        }
        for p in venue.catalog_products.filter(active=True).order_by("name")
    ]
    slides += [
        {
            "kind": "service",
            "title": o.service_type.label(lang),
            "badge": "",
            "subtitle": o.contact,
            "text": o.service_type.text("description", lang),
            "bring": o.service_type.text("what_to_bring", lang),
            "image": "",
        }
        for o in venue.catalog_services.all()
    ]
    return render(
        request,
        "catalog/kiosk.html",
        {
            "venue": venue,
            "intro": profile.text("intro", lang),
            "hours": services.hours_lines(hours) if hours else None,
            "slides": slides,
            "seconds": profile.kiosk_seconds,
        },
    )


def export_products(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        importing.products_csv(services.products()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="prodotti-tipici.csv"'
    return response


# --- Editors ------------------------------------------------------------------------------


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    venues = access.editable_venues(principal).select_related("comune", "district")
    return render(
        request,
        "catalog/manage.html",
        {
            "venues": venues.order_by("district__name", "name"),
            "can_edit_products": access.can_edit_products(principal),
        },
    )


@login_required
def manage_venue(request: HttpRequest, venue_id: int) -> HttpResponse:
    principal = principal_for_user(request.user)
    venue = get_object_or_404(access.editable_venues(principal), pk=venue_id)
    profile = services.venue_profile(venue)
    section = request.POST.get("section")
    forms = {
        "profile": VenueProfileForm(instance=profile),
        "service": VenueServiceForm(),
        "products": VenueProductsForm(initial={"products": venue.catalog_products.all()}),
        "delivery": DeliveryForm(),
    }
    if request.method == "POST" and section in {*forms, "withdraw"}:
        done = _handle(section, request, venue, profile, forms)
        if done:
            return redirect("catalog:manage_venue", venue_id=venue.pk)
    offers = VenueService.objects.filter(venue=venue).select_related("service_type")
    return render(
        request,
        "catalog/manage_venue.html",
        {
            "venue": venue,
            "profile": profile,
            "forms": forms,
            "offers": offers,
            "deliveries": services.deliveries(type(venue).objects.filter(pk=venue.pk))[:20],
        },
    )


def _handle(section: str, request: HttpRequest, venue, profile, forms: dict) -> bool:
    """Apply one section of the venue editing page; False (with the form bound) on error."""
    try:
        if section == "profile":
            form = forms["profile"] = VenueProfileForm(request.POST, instance=profile)
            if not form.is_valid():
                return False
            form.save()
            if request.FILES.get("photo"):
                images.attach_photo(profile, request.FILES["photo"])
            messages.success(request, _("Venue page saved."))
        elif section == "service":
            form = forms["service"] = VenueServiceForm(request.POST)
            if not form.is_valid():
                return False
            data = form.cleaned_data
            services.offer_service(
                venue,
                data["service_type"],
                opening_hours=data["opening_hours"],
                contact=data["contact"],
                notes={lang: data[i18n.column("notes", lang)] for lang in i18n.CONTENT_LANGUAGES},
            )
            messages.success(request, _("Service saved."))
        elif section == "withdraw":
            services.withdraw_service(venue, request.POST.get("code", ""))
            messages.success(request, _("Service removed."))
        elif section == "products":
            form = forms["products"] = VenueProductsForm(request.POST)
            if not form.is_valid():
                return False
            services.set_venue_products(venue, form.cleaned_data["products"])
            messages.success(request, _("Products saved."))
        elif section == "delivery":
            form = forms["delivery"] = DeliveryForm(request.POST)
            if not form.is_valid():
                return False
            data = form.cleaned_data
            services.record_delivery(
                venue=venue,
                service_type=data["service_type"],
                on=data["date"],
                count=data["count"],
                people=data["people"],
                by=request.user,
            )
            messages.success(request, _("Services delivered recorded."))
    except (DomainError, ValidationError) as exc:
        message = exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)
        messages.error(request, message)
        return False
    return True


@login_required
def import_products(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    if not access.can_edit_products(principal):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = importing.import_products(
                form.cleaned_data["file"].read(), skip_bad=form.cleaned_data["skip_bad"]
            )
        except importing.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if report.written:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
            else:
                messages.error(request, _("Nothing was imported: fix the rows below."))
    return render(request, "catalog/import.html", {"form": form, "report": report})

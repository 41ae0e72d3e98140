from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from distretto.accounts.scoping import (
    businesses_for,
    chambers_for,
    districts_for,
    principal_for_user,
)
from distretto.core.errors import Invalid
from distretto.territory import importing, services
from distretto.territory.forms import ImportForm
from distretto.territory.models import Business, Comune, District, Project


def district_page(request: HttpRequest, slug: str) -> HttpResponse:
    district = get_object_or_404(
        District.objects.select_related("chamber", "comune"), slug=slug, active=True
    )
    categories = (
        district.businesses.filter(active=True).values_list("category", flat=True).distinct()
    )
    labels = dict(Business.Category.choices)
    return render(
        request,
        "territory/district.html",
        {
            "district": district,
            "categories": sorted((c, labels[c]) for c in categories),
            "business_count": district.businesses.filter(active=True).count(),
        },
    )


def district_businesses_geojson(request: HttpRequest, slug: str) -> JsonResponse:
    district = get_object_or_404(District, slug=slug, active=True)
    try:
        businesses = services.filter_businesses(
            district.businesses.filter(active=True),
            category=request.GET.get("category") or None,
        )
    except Invalid as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(importing.businesses_geojson(businesses))


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def project_map(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.filter(active=True)
    comuni = Comune.objects.filter(pk__in=projects.values("comune")).order_by("name")
    years = sorted(set(projects.values_list("year", flat=True)), reverse=True)
    return render(
        request,
        "territory/project_map.html",
        {
            "axes": Project.Axis.choices,
            "axis_labels": {key: str(label) for key, label in Project.Axis.choices},
            "comuni": comuni,
            "years": years,
        },
    )


def projects_geojson(request: HttpRequest) -> JsonResponse:
    try:
        projects = services.filter_projects(
            Project.objects.filter(active=True).select_related("comune"),
            axis=request.GET.get("axis") or None,
            comune=request.GET.get("comune") or None,
            year=_int_or_none(request.GET.get("year")),
        )
    except Invalid as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse(importing.projects_geojson(projects))


@login_required
def business_list(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    businesses = businesses_for(principal).select_related("district").order_by("name")
    try:
        businesses = services.filter_businesses(
            businesses,
            district=_int_or_none(request.GET.get("district")),
            category=request.GET.get("category") or None,
            q=request.GET.get("q") or None,
        )
    except Invalid as exc:
        messages.error(request, exc.message)
    page = Paginator(businesses, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "territory/business_list.html",
        {
            "page": page,
            "districts": districts_for(principal),
            "categories": Business.Category.choices,
            "query": request.GET,
            "can_import": districts_for(principal, manage=True).exists(),
        },
    )


@login_required
def import_csv(request: HttpRequest) -> HttpResponse:
    principal = principal_for_user(request.user)
    districts = districts_for(principal, manage=True)
    chambers = chambers_for(principal, manage=True)
    if not districts.exists() and not chambers.exists():
        raise Http404
    report = None
    form = ImportForm(
        request.POST or None, request.FILES or None, districts=districts, chambers=chambers
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "businesses":
                report = importing.import_businesses(
                    data["file"], data["district"], skip_bad=data["skip_bad"]
                )
            else:
                report = importing.import_projects(
                    data["file"], data["chamber"], skip_bad=data["skip_bad"]
                )
        except importing.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if report.written:
                messages.success(
                    request,
                    _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.")
                    % {
                        "created": report.created,
                        "updated": report.updated,
                        "unchanged": report.unchanged,
                    },
                )
            else:
                messages.error(
                    request, _("Nothing was imported: fix the rows below, or choose to skip them.")
                )
    return render(request, "territory/import.html", {"form": form, "report": report})

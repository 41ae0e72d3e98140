from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from distretto.core import health
from distretto.core.modules import dashboard_sections, home_panels


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.overall()
    return JsonResponse(report, status=200 if report["status"] == health.OK else 503)


def home(request: HttpRequest) -> HttpResponse:
    from distretto.territory.models import District

    districts = District.objects.filter(active=True).select_related("chamber", "comune")
    return render(request, "core/home.html", {"districts": districts})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Each person's home: what their apps put on top (a cardholder's cards), then the
    links of every module they can use."""
    return render(
        request,
        "core/dashboard.html",
        {"panels": home_panels(request.user), "sections": dashboard_sections(request.user)},
    )

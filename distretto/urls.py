from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.views.static import serve

from distretto.api import api
from distretto.core import views as core_views
from distretto.core.metrics import metrics_view

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("dashboard/", core_views.dashboard, name="dashboard"),
    path("api/v1/", api.urls),
    path("accounts/", include("distretto.accounts.urls")),
    path("territory/", include("distretto.territory.urls")),
    path("loyalty/", include("distretto.loyalty.urls")),
    path("signage/", include("distretto.signage.urls")),
    # The address a totem's kiosk browser is set to; the #token= fragment survives.
    path("player/", RedirectView.as_view(pattern_name="signage:player", query_string=True)),
    path("checkins/", include("distretto.checkins.urls")),
    path("catalog/", include("distretto.catalog.urls")),
    path("multiservice/", include("distretto.multiservice.urls")),
    path("energy/", include("distretto.energy.urls")),
    path("privacy/", include("distretto.privacy.urls")),
    path("observatory/", include("distretto.observatory.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

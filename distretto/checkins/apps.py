from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class CheckinsConfig(AppConfig):
    name = "distretto.checkins"
    label = "checkins"
    verbose_name = _("Check-ins")
    dashboard_links = [
        DashboardLink(
            _("Check-ins"),
            "checkins:manage",
            _("Venues, check-ins per day, rejections, suspicious cards"),
            roles=("chamber_operator", "district_manager"),
        ),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.checkins import models

        def chamber_of(obj) -> int | None:
            district = (
                obj.business.district if isinstance(obj, models.CheckinPoint) else obj.district
            )
            return district.chamber_id

        for model in (models.CheckinPoint, models.Route, models.Badge):
            audit.register(model, chamber_of=chamber_of)

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

    @staticmethod
    def home_panel(user) -> dict | None:
        """The cardholder's passports: cards of districts with check-in venues."""
        from distretto.checkins.models import CheckinPoint
        from distretto.loyalty.models import Card

        districts = CheckinPoint.objects.filter(active=True).values("business__district")
        cards = (
            Card.objects.filter(user=user, status=Card.Status.ACTIVE)
            .filter(program__district__in=districts)
            .select_related("program__district")
        )
        return {"template": "checkins/_home_panel.html", "cards": list(cards)} if cards else None

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

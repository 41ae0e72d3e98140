from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class ObservatoryConfig(AppConfig):
    name = "distretto.observatory"
    label = "observatory"
    verbose_name = _("Observatory")
    dashboard_links = [
        DashboardLink(
            _("Observatory"),
            "observatory:dashboard",
            _("Indicators of every module, per district and month; monthly report"),
            roles=("chamber_operator", "district_manager"),
        ),
        DashboardLink(
            _("Open data"),
            "observatory:open_data",
            _("The published indicators, CSV and catalogue"),
        ),
    ]

    def ready(self) -> None:
        from distretto.loyalty import figures as loyalty_figures
        from distretto.observatory import compute

        # A closed settlement month freezes its figures: refresh that month's values.
        loyalty_figures.on_period_closed(compute.refresh_after_close)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class TerritoryConfig(AppConfig):
    name = "distretto.territory"
    label = "territory"
    verbose_name = _("Territory")
    dashboard_links = [
        DashboardLink(
            _("Businesses"),
            "territory:business_list",
            _("Shops and firms"),
            roles=("chamber_operator", "district_manager", "merchant"),
        ),
        DashboardLink(_("Projects map"), "territory:project_map", _("Revitalisation projects")),
        DashboardLink(
            _("Import CSV"),
            "territory:import",
            _("Businesses and projects from a spreadsheet"),
            roles=("chamber_operator", "district_manager"),
        ),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.territory import models
        from distretto.territory.services import chamber_of

        for model in (
            models.Chamber,
            models.District,
            models.Business,
            models.BusinessNetwork,
            models.Project,
        ):
            audit.register(model, chamber_of=chamber_of)

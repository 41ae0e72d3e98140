from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink
from distretto.energy.allocation_links import ALLOCATION_LINKS


class EnergyConfig(AppConfig):
    name = "distretto.energy"
    label = "energy"
    verbose_name = _("Energy")
    dashboard_links = [
        DashboardLink(
            _("Energy sites"),
            "energy:sites",
            _("Consumption, degree days, co-generation, anomalies"),
            roles=("chamber_operator", "district_manager", "energy_manager"),
        ),
        DashboardLink(
            _("My energy use"),
            "energy:my_unit",
            _("Your dwelling or shop against similar ones"),
            visible_if=lambda user: _occupies_a_unit(user),
        ),
        *ALLOCATION_LINKS,
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.energy import models, weights

        weights.connect()
        for model in (models.Site, models.Unit, models.Meter, models.Gateway):
            audit.register(model, chamber_of=_chamber_of)


def _chamber_of(obj) -> int | None:
    site = obj if obj.__class__.__name__ == "Site" else obj.site
    return site.district.chamber_id


def _occupies_a_unit(user) -> bool:
    from distretto.energy.models import Unit

    return user.is_authenticated and Unit.objects.filter(occupant=user).exists()

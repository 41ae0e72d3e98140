from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class CatalogConfig(AppConfig):
    name = "distretto.catalog"
    label = "catalog"
    verbose_name = _("Information point")
    dashboard_links = [
        DashboardLink(
            _("Venue pages and services"),
            "catalog:manage",
            _("Texts, opening hours, products, public services, services delivered"),
            roles=("chamber_operator", "district_manager", "merchant"),
        ),
        DashboardLink(
            _("Typical products"),
            "catalog:import",
            _("Import and export the products list as CSV"),
            roles=("chamber_operator", "district_manager"),
        ),
        DashboardLink(_("Public pages"), "catalog:search", _("Products, places, services")),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.catalog import models

        def chamber_of_venue(obj) -> int | None:
            return obj.venue.district.chamber_id

        audit.register(models.Product)
        audit.register(models.ServiceType)
        for model in (models.VenueProfile, models.VenueService, models.ServiceDelivery):
            audit.register(model, chamber_of=chamber_of_venue)

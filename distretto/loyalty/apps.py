from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class LoyaltyConfig(AppConfig):
    name = "distretto.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")
    dashboard_links = [
        DashboardLink(
            _("Fidelity card"),
            "loyalty:programs",
            _("Programme, cards, campaigns, settlement"),
            roles=("chamber_operator", "district_manager"),
        ),
        DashboardLink(
            _("Web till"), "loyalty:till", _("Give and take points"), roles=("merchant",)
        ),
        DashboardLink(
            _("Monthly statement"),
            "loyalty:statement",
            _("Points issued and redeemed, amounts due"),
            roles=("merchant",),
        ),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.loyalty import models

        def chamber_of(obj) -> int | None:
            program = obj if isinstance(obj, models.Program) else obj.program
            return program.district.chamber_id

        for model in (models.Program, models.MerchantRate, models.Campaign, models.Card):
            audit.register(model, chamber_of=chamber_of)

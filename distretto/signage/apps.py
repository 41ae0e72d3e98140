from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class SignageConfig(AppConfig):
    name = "distretto.signage"
    label = "signage"
    verbose_name = _("Signage")
    dashboard_links = [
        DashboardLink(
            _("Totems"),
            "signage:displays",
            _("Totems on the map, online state, what is playing"),
            roles=("chamber_operator", "district_manager"),
        ),
        DashboardLink(
            _("Totem content"),
            "signage:contents",
            _("Messages, schedules, approvals"),
            roles=("chamber_operator", "district_manager", "merchant"),
        ),
        DashboardLink(
            _("Media library"),
            "signage:media",
            _("Images and videos for the totems"),
            roles=("chamber_operator", "district_manager", "merchant"),
        ),
        DashboardLink(
            _("Proof of play"),
            "signage:reports",
            _("When and where each promotion ran"),
            roles=("chamber_operator", "district_manager", "merchant"),
        ),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.signage import models

        def chamber_of(obj) -> int | None:
            return obj.district.chamber_id

        for model in (models.Display, models.DisplayGroup, models.Content, models.MediaAsset):
            audit.register(model, chamber_of=chamber_of)

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
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from distretto.accounts import audit
        from distretto.signage import models, services

        def displays_changed(sender, instance, action: str = "post_", **kwargs) -> None:
            # A display, a group or a membership saved anywhere (services, admin):
            # the players' hubs read the district's displays again.
            if action.startswith("post_"):
                services.announce(instance.district_id, displays=True)

        for model in (models.Display, models.DisplayGroup):
            for signal in (post_save, post_delete):
                signal.connect(
                    displays_changed, sender=model, weak=False, dispatch_uid=f"signage-{model}"
                )
        m2m_changed.connect(
            displays_changed,
            sender=models.Display.groups.through,
            weak=False,
            dispatch_uid="signage-groups",
        )

        def chamber_of(obj) -> int | None:
            return obj.district.chamber_id

        for model in (models.Display, models.DisplayGroup, models.Content, models.MediaAsset):
            audit.register(model, chamber_of=chamber_of)

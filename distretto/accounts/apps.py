from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


class AccountsConfig(AppConfig):
    name = "distretto.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    dashboard_links = [
        DashboardLink(_("My API tokens"), "accounts:tokens", _("Personal tokens for the API")),
        DashboardLink(
            _("Audit log"),
            "accounts:audit",
            _("Who changed what"),
            roles=("chamber_operator",),
        ),
        DashboardLink(_("API documentation"), "api:openapi-view", _("OpenAPI / Swagger")),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.accounts.models import Membership

        audit.register(
            Membership,
            chamber_of=lambda m: (
                m.chamber_id
                or (m.district.chamber_id if m.district_id else None)
                or (m.business.district.chamber_id if m.business_id else None)
            ),
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink

# Roles whose work uses the API (tills, totems, gateways, integrations); a cardholder
# or a resident never needs a token, so their home shows none.
API_ROLES = ("chamber_operator", "district_manager", "merchant", "assessor", "energy_manager")


class AccountsConfig(AppConfig):
    name = "distretto.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    dashboard_links = [
        DashboardLink(
            _("My API tokens"),
            "accounts:tokens",
            _("Personal tokens for the API"),
            roles=API_ROLES,
        ),
        DashboardLink(
            _("Audit log"),
            "accounts:audit",
            _("Who changed what"),
            roles=("chamber_operator",),
        ),
        DashboardLink(
            _("API documentation"), "api:openapi-view", _("OpenAPI / Swagger"), roles=API_ROLES
        ),
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

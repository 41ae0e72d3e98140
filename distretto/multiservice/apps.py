from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink

STAFF = ("chamber_operator", "district_manager", "assessor")


class MultiserviceConfig(AppConfig):
    name = "distretto.multiservice"
    label = "multiservice"
    verbose_name = _("Multiservice shops")
    dashboard_links = [
        DashboardLink(
            _("Multiservice network"),
            "multiservice:network",
            _("Public map of the shops and their services"),
        ),
        DashboardLink(
            _("Feasibility check-ups"),
            "multiservice:checkups",
            _("Questionnaire, score, verdict and report"),
            visible_if=lambda user: _sees_checkups(user),
        ),
        DashboardLink(
            _("Training"),
            "multiservice:training",
            _("Modules, editions, enrolments and attendance"),
            visible_if=lambda user: _trains(user),
        ),
        DashboardLink(
            _("My training plan"),
            "multiservice:my_training",
            _("Modules to take and progress"),
            visible_if=lambda user: _keeps_a_shop(user),
        ),
        DashboardLink(
            _("Record services delivered"),
            "multiservice:record",
            _("From the shop, on a phone"),
            visible_if=lambda user: _records_for_a_shop(user),
        ),
        DashboardLink(
            _("Network impact"),
            "multiservice:impact",
            _("Services delivered, people served, savings for the PA"),
            visible_if=lambda user: _sees_impact(user),
        ),
    ]

    def ready(self) -> None:
        from distretto.accounts import audit
        from distretto.multiservice import models
        from distretto.multiservice.services import chamber_of

        for model in (
            models.MultiserviceShop,
            models.ShopService,
            models.AvoidedCost,
            models.ScoringModel,
            models.Checkup,
            models.TrainingModule,
            models.TrainingEdition,
            models.Enrolment,
        ):
            audit.register(model, chamber_of=chamber_of)


# Each link is shown to exactly those whom its page serves (the same scoping calls
# the views make), so no dashboard link ends on "not found".


def _principal(user):
    from distretto.accounts.scoping import principal_for_user

    return principal_for_user(user)


def _sees_checkups(user) -> bool:
    from distretto.multiservice.access import checkup_businesses, checkups_for

    principal = _principal(user)
    return checkups_for(principal).exists() or checkup_businesses(principal).exists()


def _trains(user) -> bool:
    from distretto.multiservice.access import is_trainer

    return is_trainer(_principal(user))


def _keeps_a_shop(user) -> bool:
    from distretto.accounts.models import Role

    return bool(_principal(user).ids(Role.MERCHANT, "business"))


def _records_for_a_shop(user) -> bool:
    from distretto.multiservice.access import shops_for

    return shops_for(_principal(user), record=True).exists()


def _sees_impact(user) -> bool:
    from distretto.accounts.models import Role
    from distretto.multiservice.access import impact_shops

    principal = _principal(user)
    return impact_shops(principal).exists() or principal.has_role(Role.CHAMBER_OPERATOR)

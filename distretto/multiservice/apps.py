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
            roles=(*STAFF, "merchant"),
        ),
        DashboardLink(
            _("Training"),
            "multiservice:training",
            _("Modules, editions, enrolments and attendance"),
            roles=STAFF,
        ),
        DashboardLink(
            _("My training plan"),
            "multiservice:my_training",
            _("Modules to take and progress"),
            roles=("merchant",),
        ),
        DashboardLink(
            _("Record services delivered"),
            "multiservice:record",
            _("From the shop, on a phone"),
            roles=("merchant", "district_manager", "chamber_operator"),
        ),
        DashboardLink(
            _("Network impact"),
            "multiservice:impact",
            _("Services delivered, people served, savings for the PA"),
            roles=(*STAFF, "merchant"),
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

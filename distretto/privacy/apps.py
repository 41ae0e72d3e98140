from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink

CONSENT_FIELDS = {"consent_privacy", "consent_marketing"}


class PrivacyConfig(AppConfig):
    name = "distretto.privacy"
    label = "privacy"
    verbose_name = _("Personal data")
    dashboard_links = [
        DashboardLink(
            _("Personal data requests"),
            "privacy:requests",
            _("Export or erase a cardholder's data (GDPR)"),
            roles=("chamber_operator",),
        ),
    ]

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from distretto.accounts import audit
        from distretto.loyalty.models import Card
        from distretto.privacy import models, services

        def card_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
            """Consents given or withdrawn by setting a card's flags elsewhere (the
            loyalty API and pages, the admin) enter the consent history too."""
            if raw or (update_fields is not None and not CONSENT_FIELDS & set(update_fields)):
                return
            if created and not (instance.consent_privacy or instance.consent_marketing):
                return
            services.record_flag_changes(instance)

        post_save.connect(card_saved, sender=Card, weak=False, dispatch_uid="privacy-card-consents")

        def chamber_of(obj) -> int | None:
            if isinstance(obj, models.SubjectRequest):
                return obj.chamber_id
            return obj.program.district.chamber_id

        audit.register(models.SubjectRequest, chamber_of=chamber_of)
        audit.register(models.Notice, chamber_of=chamber_of)

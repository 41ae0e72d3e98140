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

    @staticmethod
    def home_panel(user) -> dict | None:
        """The cardholder's cards on their home: balance, number, wallet."""
        from distretto.loyalty import services
        from distretto.loyalty.cardnumbers import printed
        from distretto.loyalty.models import Card

        cards = (
            Card.objects.filter(user=user)
            .exclude(status=Card.Status.REPLACED)
            .select_related("program")
            .order_by("program__name")
        )
        shown = []
        for card in cards:
            wallet = services.wallet(card, history=3)
            shown.append({"card": card, "printed": printed(card.number), "wallet": wallet})
        return {"template": "loyalty/_home_panel.html", "cards": shown} if shown else None

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from distretto.accounts import audit
        from distretto.loyalty import cache, models

        def chamber_of(obj) -> int | None:
            program = obj if isinstance(obj, models.Program) else obj.program
            return program.district.chamber_id

        for model in (models.Program, models.MerchantRate, models.Campaign, models.Card):
            audit.register(model, chamber_of=chamber_of)

        # What the tills' cache keeps of a programme is dropped when it changes here:
        # at once, and again when the change commits (a till that read the old rules
        # in between must not keep them).
        def forget_program(sender, instance, **kwargs) -> None:
            program_id = (
                instance.pk if isinstance(instance, models.Program) else instance.program_id
            )
            cache.forget(program_id)
            transaction.on_commit(lambda: cache.forget(program_id))

        for signal in (post_save, post_delete):
            for model in (models.Program, models.MerchantRate, models.Campaign):
                signal.connect(forget_program, sender=model, weak=False)
        m2m_changed.connect(forget_program, sender=models.Campaign.businesses.through, weak=False)

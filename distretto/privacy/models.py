"""Personal data: the privacy notices (informativa) of each programme, the history of a
cardholder's consents, and the register of data subjects' requests (export, erasure).

The card itself keeps only its current consent flags (``loyalty.Card``); every grant
and withdrawal is a ``Consent`` row here, with its date, the notice version the
person was shown and the channel, and is never edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distretto.loyalty.models import Card, Program

STANDARD_VERSION = "standard-1"  # the built-in notice, for a programme without its own


class Notice(models.Model):
    """A version of a programme's privacy notice (informativa, GDPR art. 13). The page
    shows the standard text, in Italian or English, with these particulars."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="privacy_notices")
    version = models.CharField(_("version"), max_length=40)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    controller = models.CharField(
        _("data controller"), max_length=250, help_text=_("Titolare del trattamento.")
    )
    contact_email = models.EmailField(_("privacy contact (DPO) e-mail"))
    extra_it = models.TextField(_("additional text (Italian)"), blank=True)
    extra_en = models.TextField(_("additional text (English)"), blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="privacy_notice_version")
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.version}"


class Consent(models.Model):
    """One grant or withdrawal of a consent of a card's holder."""

    class Purpose(models.TextChoices):
        PRIVACY = "privacy", _("Processing for the card programme")
        MARKETING = "marketing", _("Promotional messages")

    class Channel(models.TextChoices):
        WALLET = "wallet", _("Card wallet")
        PAGE = "page", _("Staff page")
        API = "api", _("API")
        ADMIN = "admin", _("Administration")
        PAPER = "paper", _("Paper form")
        ERASURE = "erasure", _("Erasure of personal data")
        SYSTEM = "system", _("System")

    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    text_version = models.CharField(_("notice version"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["card", "purpose", "at"], name="privacy_consent_card")]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrawn"
        return f"{self.card} {self.purpose} {verb} {self.at:%Y-%m-%d}"


class SubjectRequest(models.Model):
    """A data subject's request carried out by an operator: what, for whom, why."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASURE = "erasure", _("Erasure")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Pseudonymous: card numbers and a user id, never a name.
    subject = models.CharField(_("subject"), max_length=120)
    cards = models.JSONField(_("cards"), default=list)
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("when"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    chamber = models.ForeignKey(
        "territory.Chamber", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}"

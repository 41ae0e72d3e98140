"""Who may do what: role memberships, hashed API tokens, the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CHAMBER_OPERATOR = "chamber_operator", _("Chamber operator")
    DISTRICT_MANAGER = "district_manager", _("District manager")
    MERCHANT = "merchant", _("Merchant operator")
    ASSESSOR = "assessor", _("Assessor / trainer")
    ENERGY_MANAGER = "energy_manager", _("Energy manager")
    CARDHOLDER = "cardholder", _("Cardholder")


# Which scope column each role's membership fills.
ROLE_SCOPE = {
    Role.CHAMBER_OPERATOR: "chamber",
    Role.DISTRICT_MANAGER: "district",
    Role.MERCHANT: "business",
    Role.ASSESSOR: "district",
    Role.ENERGY_MANAGER: "district",
    Role.CARDHOLDER: None,
}


class Membership(models.Model):
    """One role of one user over one scope (a chamber, a district or a business)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    chamber = models.ForeignKey(
        "territory.Chamber", on_delete=models.CASCADE, null=True, blank=True
    )
    district = models.ForeignKey(
        "territory.District", on_delete=models.CASCADE, null=True, blank=True
    )
    business = models.ForeignKey(
        "territory.Business", on_delete=models.CASCADE, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_scope_matches_role",
                condition=(
                    Q(role="chamber_operator", chamber__isnull=False)
                    | Q(
                        role__in=["district_manager", "assessor", "energy_manager"],
                        district__isnull=False,
                    )
                    | Q(role="merchant", business__isnull=False)
                    | Q(role="cardholder")
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = self.chamber or self.district or self.business or "-"
        return f"{self.user} · {self.get_role_display()} · {scope}"


class ApiToken(models.Model):
    """A bearer token: personal (acts as its user) or a device's (acts as that device).

    Only a SHA-256 digest is stored; the token itself is shown once at creation.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        TERMINAL = "terminal", _("POS terminal")
        DISPLAY = "display", _("Totem display")
        GATEWAY = "gateway", _("Meter gateway")

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default="write")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("Owner of a personal token; the manager who created a device token."),
    )
    business = models.ForeignKey(
        "territory.Business",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="terminal_tokens",
    )
    # The device a display or gateway token stands for (lives in signage / energy).
    device_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    device_id = models.PositiveBigIntegerField(null=True, blank=True)
    device = GenericForeignKey("device_type", "device_id")
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                name="token_subject_matches_kind",
                condition=(
                    Q(kind="personal", user__isnull=False)
                    | Q(kind="terminal", business__isnull=False)
                    | Q(kind__in=["display", "gateway"], device_id__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """A create, update or delete done by a person, with the object before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150)
    via = models.CharField(_("via"), max_length=10)  # api, page, admin, cli
    action = models.CharField(_("action"), max_length=6, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # Chamber the object belongs to, when known, so operators read only their own.
    chamber = models.ForeignKey(
        "territory.Chamber", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

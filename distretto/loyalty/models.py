"""The district fidelity card: programmes, cards, campaigns and the points ledger.

The ledger is double-entry: every movement is one ``LedgerTransaction`` whose
``Entry`` rows sum to zero. A card's ``Account`` keeps its balance, updated under a
row lock in the same database transaction as its entries, and it may never go below
zero (a check constraint backs the service-level test). The programme's own accounts
(merchants, promotion budget, breakage) derive their balance from their entries: they
take part in nearly every posting, and a stored balance would be one row that every
till of the district waits on. Nothing in the ledger is edited or deleted:
corrections are reversals.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from distretto.territory.models import Business, District


class Program(models.Model):
    """A district's points collection, an "operazione a premio" (prize promotion, DPR 430/2001)."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="loyalty_programs"
    )
    name = models.CharField(_("name"), max_length=200)
    point_value = models.DecimalField(
        _("point value (EUR)"),
        max_digits=8,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001"))],
    )
    earn_rate = models.DecimalField(
        _("points per euro"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_redemption = models.PositiveIntegerField(_("minimum redemption (points)"), default=0)
    max_amount = models.DecimalField(
        _("largest purchase accepted (EUR)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("5000.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("points expire after (months)"),
        null=True,
        blank=True,
        help_text=_("Months after the end of the month they were earned in; empty: never."),
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Regolamento (rules document) of the operazione a premio.
    promoter = models.CharField(_("promoter"), max_length=250, blank=True)
    area = models.CharField(_("area"), max_length=250, blank=True)
    prizes = models.TextField(_("prizes and their value"), blank=True)
    guarantee = models.DecimalField(
        _("guarantee (cauzione, EUR)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    rules_text = models.TextField(_("rules (regolamento)"), blank=True)
    rules_pdf = models.FileField(_("rules PDF"), upload_to="loyalty/rules/", blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("loyalty programme")
        verbose_name_plural = _("loyalty programmes")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="loyalty_program_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The programme cannot end before it starts.")})


class MerchantRate(models.Model):
    """A shop's own multiplier on the base rate; the extra points are charged to the shop."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="merchant_rates")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    multiplier = models.DecimalField(
        _("multiplier"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        verbose_name = _("merchant multiplier")
        verbose_name_plural = _("merchant multipliers")
        constraints = [
            models.UniqueConstraint(fields=["program", "business"], name="loyalty_rate_unique")
        ]

    def __str__(self) -> str:
        return f"{self.business} × {self.multiplier}"


class Campaign(models.Model):
    """A district promotion: extra points funded by the district's promotion budget."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=200)
    priority = models.PositiveSmallIntegerField(
        _("order"), default=100, help_text=_("Campaigns are evaluated in ascending order.")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday; empty: every day.")
    )
    time_from = models.TimeField(_("from time"), null=True, blank=True)
    time_to = models.TimeField(_("to time"), null=True, blank=True)
    categories = models.JSONField(_("business categories"), default=list, blank=True)
    businesses = models.ManyToManyField(Business, blank=True, related_name="+")
    multiplier = models.DecimalField(
        _("multiplier"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    bonus_points = models.PositiveIntegerField(_("fixed bonus (points)"), null=True, blank=True)
    min_spend = models.DecimalField(
        _("minimum spend (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    cap_per_card_per_day = models.PositiveIntegerField(
        _("cap per card per day (points)"), null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})
        if (self.multiplier is None) == (self.bonus_points is None):
            raise ValidationError(
                {"multiplier": _("Give either a multiplier or a fixed bonus, not both.")}
            )
        if self.multiplier is not None and self.multiplier <= 1:
            raise ValidationError({"multiplier": _("A campaign multiplier must be above 1.")})
        if (self.time_from is None) != (self.time_to is None):
            raise ValidationError({"time_to": _("Give both ends of the time window.")})
        if self.time_from and self.time_to and self.time_to <= self.time_from:
            raise ValidationError({"time_to": _("The time window must end after it starts.")})
        if not isinstance(self.weekdays, list) or any(
            not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6
            for day in self.weekdays
        ):
            raise ValidationError({"weekdays": _("Weekdays are numbers from 0 (Monday) to 6.")})
        known = set(Business.Category.values)
        if not isinstance(self.categories, list) or any(c not in known for c in self.categories):
            raise ValidationError({"categories": _("Unknown business category.")})


class Card(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        LOST = "lost", _("Lost")
        REPLACED = "replaced", _("Replaced")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cards")
    number = models.CharField(_("number"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )
    holder_name = models.CharField(_("holder name"), max_length=200, blank=True)
    holder_email = models.EmailField(_("holder email"), blank=True)
    consent_privacy = models.BooleanField(_("privacy consent"), default=False)
    consent_marketing = models.BooleanField(_("marketing consent"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loyalty_cards",
    )
    batch = models.CharField(_("batch"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("card")
        verbose_name_plural = _("cards")

    def __str__(self) -> str:
        return self.number


class Account(models.Model):
    """One side of the ledger. Cards' accounts together are the programme's liability."""

    class Kind(models.TextChoices):
        CARD = "card", _("Card")
        MERCHANT_ISSUED = "merchant_issued", _("Points issued by a merchant")
        MERCHANT_REDEEMED = "merchant_redeemed", _("Points redeemed at a merchant")
        PROMOTION = "promotion", _("District promotion budget")
        BREAKAGE = "breakage", _("Breakage (expired points)")

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    card = models.OneToOneField(
        Card, on_delete=models.PROTECT, null=True, blank=True, related_name="account"
    )
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    balance = models.BigIntegerField(
        _("balance (points)"),
        default=0,
        help_text=_("Kept for card accounts; other accounts derive theirs from their entries."),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                name="loyalty_card_balance_not_negative",
                condition=~Q(kind="card") | Q(balance__gte=0),
            ),
            models.UniqueConstraint(
                fields=["program", "kind", "business"],
                condition=Q(kind__in=["merchant_issued", "merchant_redeemed"]),
                name="loyalty_one_merchant_account",
            ),
            models.UniqueConstraint(
                fields=["program", "kind"],
                condition=Q(kind__in=["promotion", "breakage"]),
                name="loyalty_one_programme_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.card or self.business or self.program}"

    def current_balance(self) -> int:
        """The stored balance of a card account; the sum of the entries of any other."""
        if self.kind == self.Kind.CARD:
            return self.balance
        return self.entries.aggregate(total=models.Sum("points"))["total"] or 0


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("Earn")
        REDEEM = "redeem", _("Redeem")
        REVERSAL = "reversal", _("Reversal")
        EXPIRY = "expiry", _("Expiry")
        ADJUSTMENT = "adjustment", _("Manual adjustment")
        TRANSFER = "transfer", _("Transfer to a replacement card")
        GRANT = "grant", _("Reward")

    # Looked up by programme and period together (``loyalty_tx_period``), which also
    # serves the programme alone: no index of their own, one write fewer per movement.
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="transactions", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="transactions")
    business = models.ForeignKey(
        Business, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    points = models.BigIntegerField(_("points"))  # signed: the card's change
    amount = models.DecimalField(
        _("purchase amount"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    applied_rules = models.JSONField(default=list, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    reason = models.CharField(_("reason"), max_length=250, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    posted_at = models.DateTimeField(_("posted at"), db_index=True)
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM, local
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    terminal = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_scope = models.CharField(max_length=60, blank=True)
    idempotency_key = models.CharField(max_length=120, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    response = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="loyalty_idempotency_unique",
            )
        ]
        indexes = [models.Index(fields=["program", "period"], name="loyalty_tx_period")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points:+d} · {self.card}"


class Entry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    points = models.BigIntegerField(_("points"))
    # For credits to a card: the last day these points are valid (null: never expire).
    expires_on = models.DateField(null=True, blank=True)
    # For promotion-budget entries: the campaign that paid them (caps per card per day).
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.account} {self.points:+d}"


class SettlementPeriod(models.Model):
    """A closed month: no movement may be posted into it any more; its figures are frozen."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="settlements")
    period = models.CharField(_("period"), max_length=7)
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    figures = models.JSONField(_("frozen figures"))

    class Meta:
        ordering = ["-period"]
        verbose_name = _("closed settlement period")
        verbose_name_plural = _("closed settlement periods")
        constraints = [
            models.UniqueConstraint(fields=["program", "period"], name="loyalty_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.period}"

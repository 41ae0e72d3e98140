from django.contrib import admin

from distretto.loyalty import models


@admin.register(models.Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "point_value", "earn_rate", "active"]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "starts_on", "ends_on", "active"]


@admin.register(models.Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["number", "program", "status", "holder_name"]
    search_fields = ["number", "holder_name", "holder_email"]
    exclude = ["token_hash"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger is append-only: visible here, never edited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.LedgerTransaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "card", "business", "points", "posted_at", "period"]
    list_filter = ["kind", "period"]


@admin.register(models.SettlementPeriod)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ["program", "period", "closed_at"]

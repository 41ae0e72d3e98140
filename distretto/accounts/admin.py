from django.contrib import admin

from distretto.accounts.models import ApiToken, AuditEntry, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "chamber", "district", "business", "created_at"]
    list_filter = ["role", "chamber", "district"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user", "business"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by the API or `distretto token create`: here only read and revoke."""

    list_display = [
        "name",
        "kind",
        "scope",
        "user",
        "business",
        "prefix",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["kind", "scope"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = [
        "kind",
        "prefix",
        "token_hash",
        "user",
        "business",
        "device_type",
        "device_id",
        "created_at",
        "last_used_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "via", "action", "object_type", "object_repr"]
    list_filter = ["action", "via", "object_type"]
    search_fields = ["actor_name", "object_repr", "object_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

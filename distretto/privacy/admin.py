from django.contrib import admin

from distretto.privacy.models import Consent, Notice, SubjectRequest


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["program", "version", "published_at", "controller"]
    list_filter = ["program"]


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """The consent history is evidence: read here, never changed."""

    list_display = ["card", "purpose", "granted", "at", "channel", "text_version"]
    list_filter = ["purpose", "granted", "channel"]
    search_fields = ["card__number"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SubjectRequest)
class SubjectRequestAdmin(ConsentAdmin):
    list_display = ["at", "kind", "subject", "requested_by", "reason"]
    list_filter = ["kind"]
    search_fields = ["subject"]

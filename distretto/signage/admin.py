from django.contrib import admin

from distretto.signage import models, services


class AnnouncesDisplays(admin.ModelAdmin):
    """Saves and deletions made here bypass the services, so they announce what the
    services would: the push hubs read the district's displays again."""

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        previous = form.initial.get("district")
        districts = {form.instance.district_id, previous} - {None}
        if isinstance(form.instance, models.Layout) and form.instance.district_id is None:
            # A built-in layout: every district using it.
            districts = set(form.instance.displays.values_list("district_id", flat=True))
        for district_id in districts:
            services.announce(district_id, displays=True)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        services.announce(obj.district_id, displays=True)

    def delete_queryset(self, request, queryset) -> None:
        districts = set(queryset.values_list("district_id", flat=True))
        super().delete_queryset(request, queryset)
        for district_id in districts:
            services.announce(district_id, displays=True)


@admin.register(models.DisplayGroup)
class DisplayGroupAdmin(AnnouncesDisplays):
    list_display = ["name", "district"]
    list_filter = ["district"]


@admin.register(models.Display)
class DisplayAdmin(AnnouncesDisplays):
    list_display = ["name", "district", "orientation", "approved", "last_seen_at"]
    list_filter = ["district", "approved", "groups"]
    readonly_fields = [
        "last_seen_at",
        "player_version",
        "playing_version",
        "playing_since",
        "expected_version",
        "expected_since",
        "last_status",
        "refused_plays",
        "screen_off",
        "screenshot_at",
        "offline_alerted_at",
    ]


@admin.register(models.MediaAsset)
class MediaAssetAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "business", "size", "created_at"]
    list_filter = ["kind", "district"]


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "district", "starts_at", "place"]
    list_filter = ["district"]


@admin.register(models.Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "district", "business", "priority", "status", "valid_from"]
    list_filter = ["status", "kind", "priority", "district"]
    search_fields = ["title", "body"]


@admin.register(models.Layout)
class LayoutAdmin(AnnouncesDisplays):
    list_display = ["name", "orientation", "district"]
    list_filter = ["orientation", "district"]


@admin.register(models.DisplayCommand)
class DisplayCommandAdmin(admin.ModelAdmin):
    list_display = ["kind", "display", "status", "created_at", "acknowledged_at"]
    list_filter = ["kind", "status"]


@admin.register(models.AlertFeed)
class AlertFeedAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "url", "active", "last_polled_at"]
    readonly_fields = ["account", "last_polled_at", "last_error"]


@admin.register(models.CapAlert)
class CapAlertAdmin(admin.ModelAdmin):
    """CAP messages as received: read here, never edited."""

    list_display = ["identifier", "sender", "msg_type", "outcome", "received_at"]
    list_filter = ["outcome", "feed"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.SignageSettings)
class SignageSettingsAdmin(admin.ModelAdmin):
    list_display = ["district", "offline_alert_minutes"]


@admin.register(models.PlayRecord)
class PlayRecordAdmin(admin.ModelAdmin):
    """Proof of play is what players reported: read here, never edited."""

    list_display = ["content_title", "display", "started_at", "duration_s"]
    list_filter = ["display__district"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

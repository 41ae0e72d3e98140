from django.contrib import admin

from distretto.checkins import models


@admin.register(models.CheckinPoint)
class CheckinPointAdmin(admin.ModelAdmin):
    list_display = ["business", "radius_m", "reward_points", "requires_code", "active"]
    list_filter = ["active", "requires_code", "business__district"]
    search_fields = ["business__name"]


@admin.register(models.Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """Attempts are evidence for the fraud view: visible here, never edited."""

    list_display = ["created_at", "point", "card", "decision", "distance_m", "accuracy_m"]
    list_filter = ["decision", "point__business__district"]
    search_fields = ["card__number", "point__business__name"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "active"]
    filter_horizontal = ["points"]


@admin.register(models.Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "kind", "threshold", "route", "active"]
    list_filter = ["kind", "district"]


@admin.register(models.BadgeAward)
class BadgeAwardAdmin(admin.ModelAdmin):
    list_display = ["badge", "card", "awarded_at"]

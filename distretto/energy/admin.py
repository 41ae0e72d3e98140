from django.contrib import admin

from distretto.energy import models


@admin.register(models.Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "comune", "climate_zone", "degree_days"]
    list_filter = ["climate_zone"]
    raw_id_fields = ["comune"]


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "kind", "area_m2", "millesimi_heat", "declared_empty"]
    list_filter = ["kind", "declared_empty", "site"]
    raw_id_fields = ["occupant"]


@admin.register(models.Meter)
class MeterAdmin(admin.ModelAdmin):
    list_display = ["external_id", "site", "unit", "kind", "role", "last_ts", "last_value"]
    list_filter = ["kind", "role", "site"]
    search_fields = ["external_id", "description"]
    raw_id_fields = ["unit", "replaced_by", "feeds"]
    readonly_fields = ["last_ts", "last_value"]


@admin.register(models.HeatEmitter)
class HeatEmitterAdmin(admin.ModelAdmin):
    list_display = ["unit", "description", "rated_power_w"]
    list_filter = ["unit__site"]
    raw_id_fields = ["unit"]


@admin.register(models.Gateway)
class GatewayAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "serial", "last_seen_at", "active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Readings and rollups change only through ingestion, which keeps them consistent."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Reading)
class ReadingAdmin(ReadOnlyAdmin):
    list_display = ["meter", "ts", "value", "delta"]
    raw_id_fields = ["meter"]
    show_full_result_count = False


@admin.register(models.DailyRollup)
class DailyRollupAdmin(ReadOnlyAdmin):
    list_display = ["meter", "bucket", "consumption", "samples"]
    show_full_result_count = False


@admin.register(models.MonthlyRollup)
class MonthlyRollupAdmin(ReadOnlyAdmin):
    list_display = ["meter", "bucket", "consumption", "samples"]


@admin.register(models.HourlyRollup)
class HourlyRollupAdmin(ReadOnlyAdmin):
    list_display = ["meter", "bucket", "consumption", "samples"]
    show_full_result_count = False


@admin.register(models.DailyWeather)
class DailyWeatherAdmin(admin.ModelAdmin):
    list_display = ["site", "day", "mean_temperature", "degree_days"]
    list_filter = ["site"]


@admin.register(models.RejectedReading)
class RejectedReadingAdmin(admin.ModelAdmin):
    list_display = ["received_at", "site", "source", "code", "message", "status"]
    list_filter = ["code", "status", "source"]


@admin.register(models.Anomaly)
class AnomalyAdmin(admin.ModelAdmin):
    list_display = ["rule", "site", "severity", "started_at", "ended_at", "acknowledged_at"]
    list_filter = ["rule", "severity"]
    raw_id_fields = ["unit", "meter", "gateway", "acknowledged_by"]


from distretto.energy import allocation_admin  # noqa: E402,F401  (heating-cost allocation)

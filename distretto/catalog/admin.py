from django.contrib import admin

from distretto.catalog import models


@admin.register(models.ServiceType)
class ServiceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "cost", "position", "active"]
    search_fields = ["code", "name", "name_en"]


@admin.register(models.VenueService)
class VenueServiceAdmin(admin.ModelAdmin):
    list_display = ["venue", "service_type", "contact", "active"]
    list_filter = ["service_type"]
    raw_id_fields = ["venue"]


@admin.register(models.ServiceDelivery)
class ServiceDeliveryAdmin(admin.ModelAdmin):
    list_display = ["venue", "service_type", "date", "count", "people"]
    list_filter = ["service_type"]
    date_hierarchy = "date"
    raw_id_fields = ["venue", "recorded_by"]

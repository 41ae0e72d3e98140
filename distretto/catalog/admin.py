from django.contrib import admin

from distretto.catalog import images, models


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


class ResizedPhotoAdmin(admin.ModelAdmin):
    """Uploads through the admin are resized like every other upload."""

    def save_model(self, request, obj, form, change) -> None:
        upload = form.cleaned_data.get("photo") if "photo" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if upload:
            upload.seek(0)
            images.attach_photo(obj, upload)


@admin.register(models.Product)
class ProductAdmin(ResizedPhotoAdmin):
    list_display = ["name", "designation", "category", "region", "active"]
    list_filter = ["designation", "category", "region"]
    search_fields = ["name", "name_en", "origin"]
    filter_horizontal = ["comuni"]
    raw_id_fields = ["producers", "venues"]


@admin.register(models.VenueProfile)
class VenueProfileAdmin(ResizedPhotoAdmin):
    list_display = ["venue", "published", "updated_at"]
    raw_id_fields = ["venue"]

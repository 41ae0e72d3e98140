from django.contrib import admin

from distretto.territory.models import Business, BusinessNetwork, Chamber, Comune, District, Project


@admin.register(Chamber)
class ChamberAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Comune)
class ComuneAdmin(admin.ModelAdmin):
    list_display = [
        "istat_code",
        "name",
        "province",
        "region",
        "population",
        "population_year",
        "climate_zone",
        "degree_days",
        "in_force",
        "ceased_on",
    ]
    list_filter = ["in_force", "region", "climate_zone", "province"]
    search_fields = ["name", "istat_code", "codice_catastale"]
    raw_id_fields = ["successor"]


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "chamber", "kind", "comune", "active"]
    list_filter = ["kind", "chamber", "active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["comune"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "category", "partita_iva", "active"]
    list_filter = ["district", "category", "active"]
    search_fields = ["name", "legal_name", "partita_iva"]
    autocomplete_fields = ["comune"]


@admin.register(BusinessNetwork)
class BusinessNetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "chamber", "district", "contract_date", "active"]
    filter_horizontal = ["members"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "chamber", "comune", "year", "status", "active"]
    list_filter = ["status", "year", "chamber"]
    search_fields = ["title"]
    autocomplete_fields = ["comune"]

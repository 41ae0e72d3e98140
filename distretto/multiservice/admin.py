from django import forms
from django.contrib import admin

from distretto.core.errors import Invalid
from distretto.multiservice import models, scoring


class ShopServiceInline(admin.TabularInline):
    model = models.ShopService
    extra = 0


@admin.register(models.MultiserviceShop)
class MultiserviceShopAdmin(admin.ModelAdmin):
    list_display = ["business", "comune", "frazione", "since", "funding_eur", "active"]
    list_filter = ["active"]
    search_fields = ["business__name", "comune__name", "frazione"]
    raw_id_fields = ["business", "comune"]
    inlines = [ShopServiceInline]


@admin.register(models.AvoidedCost)
class AvoidedCostAdmin(admin.ModelAdmin):
    list_display = ["chamber", "service_type", "cost_eur"]


class ScoringModelForm(forms.ModelForm):
    class Meta:
        model = models.ScoringModel
        fields = ["chamber", "version", "name", "definition"]

    def clean_definition(self) -> dict:
        definition = self.cleaned_data["definition"]
        try:
            scoring.validate_definition(definition)
        except Invalid as error:
            raise forms.ValidationError(error.message) from None
        return definition


@admin.register(models.ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    form = ScoringModelForm
    list_display = ["version", "name", "chamber", "created_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a version is never edited: publish a new one


class CheckupResultInline(admin.TabularInline):
    model = models.CheckupResult
    extra = 0
    readonly_fields = ["scoring_model", "score", "verdict", "created_at"]
    fields = readonly_fields
    can_delete = False


@admin.register(models.Checkup)
class CheckupAdmin(admin.ModelAdmin):
    list_display = ["business", "assessor", "status", "created_at", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["business", "assessor"]
    inlines = [CheckupResultInline]


@admin.register(models.TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "topic", "hours", "format", "active"]


class EnrolmentInline(admin.TabularInline):
    model = models.Enrolment
    extra = 0
    raw_id_fields = ["business"]


@admin.register(models.TrainingEdition)
class TrainingEditionAdmin(admin.ModelAdmin):
    list_display = ["module", "district", "starts_on", "ends_on", "capacity"]
    inlines = [EnrolmentInline]


@admin.register(models.Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["enrolment", "attended_on", "hours"]

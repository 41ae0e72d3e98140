from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distretto.catalog.models import Product, ServiceType, VenueProfile
from distretto.territory.validators import validate_opening_hours

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class VenueProfileForm(forms.ModelForm):
    photo = forms.ImageField(label=_("Photo (resized automatically)"), required=False)

    class Meta:
        model = VenueProfile
        fields = [
            "published",
            "intro",
            "intro_en",
            "intro_fr",
            "intro_de",
            "how_to_reach",
            "how_to_reach_en",
            "how_to_reach_fr",
            "how_to_reach_de",
            "kiosk_seconds",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in fields
            if name.startswith(("intro", "how_to_reach"))
        }


class HoursField(forms.CharField):
    """Opening hours as JSON: {"mon": [["09:00", "12:30"]], ...}; empty: the venue's."""

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return {}
        try:
            hours = json.loads(text)
        except json.JSONDecodeError:
            raise ValidationError(_("Not valid JSON.")) from None
        validate_opening_hours(hours)
        return hours


class VenueServiceForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.filter(active=True)
    )
    opening_hours = HoursField(
        label=_("Opening hours (JSON, empty: the venue's)"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": '{"mon": [["09:00", "12:00"]]}'}),
    )
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    notes = forms.CharField(label=_("Notes (Italian)"), required=False)
    notes_en = forms.CharField(label=_("Notes (English)"), required=False)
    notes_fr = forms.CharField(label=_("Notes (French)"), required=False)
    notes_de = forms.CharField(label=_("Notes (German)"), required=False)


class VenueProductsForm(forms.Form):
    products = forms.ModelMultipleChoiceField(
        label=_("Products to taste or buy here"),
        queryset=Product.objects.filter(active=True).order_by("name", "region"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )


class DeliveryForm(forms.Form):
    service_type = forms.ModelChoiceField(
        label=_("Service"), queryset=ServiceType.objects.filter(active=True)
    )
    date = forms.DateField(
        label=_("Date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    count = forms.IntegerField(label=_("How many times"), min_value=1, initial=1)
    people = forms.IntegerField(label=_("People served"), min_value=0, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    skip_bad = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

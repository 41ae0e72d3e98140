from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.territory.models import Chamber, District

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    KIND_CHOICES = [("businesses", _("Businesses")), ("projects", _("Projects"))]

    kind = forms.ChoiceField(label=_("What the file holds"), choices=KIND_CHOICES)
    district = forms.ModelChoiceField(
        label=_("District (for businesses)"), queryset=District.objects.none(), required=False
    )
    chamber = forms.ModelChoiceField(
        label=_("Chamber (for projects)"), queryset=Chamber.objects.none(), required=False
    )
    file = forms.FileField(label=_("CSV file"))
    skip_bad = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"), required=False
    )

    def __init__(self, *args, districts=None, chambers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["chamber"].queryset = chambers

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    def clean(self):
        data = super().clean()
        if data.get("kind") == "businesses" and not data.get("district"):
            self.add_error("district", _("Choose the district the businesses belong to."))
        if data.get("kind") == "projects" and not data.get("chamber"):
            self.add_error("chamber", _("Choose the chamber the projects belong to."))
        return data

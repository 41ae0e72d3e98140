"""Page forms of the meter registry: sites, units, meters and gateways.

The forms only turn HTML input into typed values. What is acceptable is decided
where the API decides it: the API's own schemas (``schemas.py``) and the services
and registry functions; views put their errors back on these forms.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from distretto.energy.models import ClimateZone, Meter, Unit

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SiteForm(forms.Form):
    """A new site; degree days and climate zone come from the comune when known."""

    district = forms.ModelChoiceField(label=_("District"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("Name"))
    address = forms.CharField(label=_("Address"), required=False)
    comune = forms.CharField(
        label=_("Comune (ISTAT code)"),
        required=False,
        widget=forms.TextInput(attrs={"list": "comuni", "autocomplete": "off"}),
    )
    degree_days = forms.IntegerField(
        label=_("Degree days (GG)"),
        required=False,
        help_text=_("Leave empty to take them from the comune."),
    )
    climate_zone = forms.ChoiceField(
        label=_("Climate zone"),
        required=False,
        choices=[("", _("From the degree days")), *ClimateZone.choices],
    )

    def __init__(self, *args, districts, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts


class SiteEditForm(SiteForm):
    """A site's name, address, comune and climate; another comune brings its own figures."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, districts=None, **kwargs)
        del self.fields["district"]
        self.fields["degree_days"].help_text = _(
            "Leave empty to keep them, or to take the new comune's."
        )


class UnitForm(forms.Form):
    """A new dwelling or shop."""

    name = forms.CharField(label=_("Name"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Unit.Kind.choices)
    area_m2 = forms.DecimalField(label=_("Floor area (m²)"), localize=True)
    millesimi_heat = forms.DecimalField(label=_("Heat-requirement thousandths"), localize=True)
    millesimi_property = forms.DecimalField(
        label=_("Property thousandths"), required=False, localize=True
    )


class UnitEditForm(forms.Form):
    """What the API lets a manager change on a unit, and who lives in it (its occupant)."""

    name = forms.CharField(label=_("Name"))
    area_m2 = forms.DecimalField(label=_("Floor area (m²)"), localize=True)
    millesimi_heat = forms.DecimalField(label=_("Heat-requirement thousandths"), localize=True)
    millesimi_property = forms.DecimalField(label=_("Property thousandths"), localize=True)
    declared_empty = forms.BooleanField(
        label=_("Declared empty"),
        required=False,
        # Stacked forms stretch their inputs; a checkbox stays at the left.
        widget=forms.CheckboxInput(attrs={"style": "align-self:flex-start"}),
    )
    empty_since = forms.DateField(label=_("Empty since"), required=False, widget=DATE_INPUT)
    occupant = forms.CharField(
        label=_("Occupant"),
        required=False,
        help_text=_(
            "Username or e-mail of the resident, who then sees this unit; empty for nobody."
        ),
    )


class MeterForm(forms.Form):
    """A new meter of a site, on one of its units or on the site itself."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Meter.Kind.choices)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, required=False, empty_label=_("None (site meter)")
    )
    external_id = forms.CharField(
        label=_("External id"), help_text=_("The wM-Bus id or the id the gateway reports.")
    )
    role = forms.ChoiceField(label=_("Role"), choices=Meter.Role.choices)
    description = forms.CharField(label=_("Description"), required=False)
    reading_type = forms.ChoiceField(label=_("Reading type"), choices=Meter.ReadingType.choices)
    unit_of_measure = forms.CharField(
        label=_("Unit of measure"),
        required=False,
        help_text=_("Leave empty for the kind's usual one."),
    )
    kq = forms.DecimalField(label=_("KQ (radiator rating)"), required=False, localize=True)
    kc = forms.DecimalField(label=_("KC (coupling)"), required=False, localize=True)
    product_scale = forms.BooleanField(
        label=_("Already scaled (product scale)"),
        required=False,
        help_text=_("The allocator reports units already scaled by KQ × KC."),
    )
    calorific_value = forms.DecimalField(
        label=_("Calorific value (kWh/Sm³)"), required=False, localize=True
    )
    expected_interval_minutes = forms.IntegerField(
        label=_("Expected interval (minutes)"), initial=60
    )
    replaces = forms.ModelChoiceField(
        label=_("Replaces meter"), queryset=None, required=False, empty_label=_("None")
    )

    def __init__(self, *args, site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = site.units.order_by("name")
        self.fields["replaces"].queryset = site.meters.filter(replaced_by__isnull=True)


class MeterEditForm(forms.Form):
    """What the API lets a manager change on a meter."""

    external_id = forms.CharField(label=_("External id"))
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=None, required=False, empty_label=_("None (site meter)")
    )
    description = forms.CharField(label=_("Description"), required=False)
    kq = forms.DecimalField(label=_("KQ (radiator rating)"), localize=True)
    kc = forms.DecimalField(label=_("KC (coupling)"), localize=True)
    product_scale = forms.BooleanField(
        label=_("Already scaled (product scale)"),
        required=False,
        help_text=_("The allocator reports units already scaled by KQ × KC."),
    )
    expected_interval_minutes = forms.IntegerField(label=_("Expected interval (minutes)"))

    def __init__(self, *args, site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = site.units.order_by("name")


class GatewayForm(forms.Form):
    """A new gateway of a site; its token is shown once."""

    name = forms.CharField(label=_("Name"), max_length=120)
    serial = forms.CharField(label=_("Serial number"), required=False, max_length=80)
    expected_interval_minutes = forms.IntegerField(
        label=_("Expected interval (minutes)"),
        initial=60,
        help_text=_("A gateway silent for more than three intervals is reported as an anomaly."),
    )

"""What each allocation method is called and which rule it follows, as the statements
say it (D.Lgs. 102/2014 art. 9 c.5 d) and Allegato 9, as amended by D.Lgs. 73/2020).

The texts name the rule only; the rule itself is in ``allocation.py``.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from distretto.core.formatting import quantity

ART_9 = "D.Lgs. 102/2014, art. 9 c.5 d)"


def key_label(fixed_key: str) -> str:
    """The key of the fixed part, in words."""
    labels = {
        "heat_thousandths": _("heat-requirement thousandths"),
        "property_thousandths": _("property thousandths"),
        "area_m2": _("useful floor area (m²)"),
        "volume_m3": _("useful heated volume (m³)"),
        "installed_power": _("installed radiator power"),
    }
    return labels.get(fixed_key or "heat_thousandths", fixed_key)


def method_name(method: str, involuntary_share: Decimal | None, fixed_key: str = "") -> str:
    """The method as a statement names it, with its shares."""
    fixed = quantity((involuntary_share or Decimal(0)) * 100, 1)
    voluntary = quantity((1 - (involuntary_share or Decimal(0))) * 100, 1)
    if method == "assembly":
        return _(
            "Assembly's choice: %(voluntary)s%% by measured consumption, %(fixed)s%% by %(key)s"
        ) % {"voluntary": voluntary, "fixed": fixed, "key": key_label(fixed_key)}
    if method == "compensation":
        return _(
            "Compensation (historical): %(voluntary)s%% by measured consumption, "
            "%(fixed)s%% by heat-requirement thousandths"
        ) % {"voluntary": voluntary, "fixed": fixed}
    if method == "measured":
        return _(
            "UNI 10200, involuntary consumption measured (generator minus unit meters): "
            "%(fixed)s%% by heat-requirement thousandths"
        ) % {"fixed": fixed}
    return _(
        "UNI 10200, involuntary consumption from the technical report: %(fixed)s%% by "
        "heat-requirement thousandths, the rest by measured consumption"
    ) % {"fixed": fixed}


def legal_basis(method: str) -> str:
    """The rule the method follows."""
    if method == "assembly":
        return _(
            "%(art)s, as amended by D.Lgs. 73/2020 (in force since 29 July 2020): the "
            "assembly allocates at least 50%% by measured voluntary consumption and the rest "
            "by a key it chooses."
        ) % {"art": ART_9}
    if method == "compensation":
        return _(
            "%(art)s, text in force until 28 July 2020: at least 70%% by measured "
            "consumption where the sworn technical report finds heat-requirement "
            "differences above 50%% between units. Allowed only for periods that ended "
            "before 29 July 2020."
        ) % {"art": ART_9}
    return _(
        "%(art)s, as amended by D.Lgs. 73/2020, and the UNI 10200 standard: involuntary "
        "consumption by heat-requirement thousandths, voluntary consumption by what each "
        "unit measured."
    ) % {"art": ART_9}


def billing_information_basis() -> str:
    return _(
        "Billing information as asked by D.Lgs. 102/2014, Allegato 9, as amended by D.Lgs. 73/2020."
    )


def whom_to_ask() -> list[str]:
    """Where to complain and whom to ask, as Allegato 9 wants the statement to say."""
    return [
        _(
            "Questions and complaints about this statement: first the building "
            "administrator who issued it."
        ),
        _(
            "Complaints and out-of-court settlement of disputes: the consumer associations "
            "(associazioni dei consumatori)."
        ),
        _(
            "Information on energy efficiency and on the rules of heat metering and "
            "allocation: ENEA, the national agency for energy efficiency."
        ),
    ]

"""Dashboard entries of the heating-cost allocation (listed in EnergyConfig.dashboard_links)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from distretto.core.modules import DashboardLink


def occupies_a_unit(user) -> bool:
    """Residents: users who occupy a unit of some site."""
    from distretto.energy.models import Unit

    return user.is_authenticated and Unit.objects.filter(occupant=user).exists()


ALLOCATION_LINKS = [
    DashboardLink(
        _("Heating-cost allocation"),
        "energy:allocations",
        _("UNI 10200 split of the heating costs, statements per unit"),
        roles=("chamber_operator", "district_manager", "energy_manager"),
    ),
    DashboardLink(
        _("My heating statements"),
        "energy:allocations",
        _("What your unit pays for heating, season by season"),
        visible_if=occupies_a_unit,
    ),
]

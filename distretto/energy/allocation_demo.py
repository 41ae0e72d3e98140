"""Demo data: the closed heating-cost allocation of the Campobasso complex's last season.

Runs after ``energy.demo.seed`` (which builds the complex and its readings): the
last complete heating season is allocated with the technical report's involuntary
share, a maintenance cost by property thousandths, the pumps' electricity like the
fuel and the reading service per unit; one flat's allocator is declared tampered
and estimated. The run is closed by the district's energy manager. Idempotent: a
closed run for that season is left as it is.

The complex's meters are read remotely by a wM-Bus receiver (a gateway), so its
residents also get their monthly consumption information (``monthly.py``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from distretto.energy import allocation_services, services
from distretto.energy.allocation_models import AllocationRun
from distretto.energy.models import Gateway, Site, Unit

SITE_NAME = "Complesso Innovenergy — Via Mazzini"
ENERGY_MANAGER = "energia"
TAMPERED_FLAT = "Interno 9"
GATEWAY_NAME = "Ricevitore wM-Bus scala A"
COSTS = [
    {
        "name": "maintenance",
        "label": "Manutenzione centrale termica",
        "amount": Decimal("1240.00"),
        "key": "property_thousandths",
    },
    {
        "name": "pumps",
        "label": "Energia elettrica pompe",
        "amount": Decimal("615.40"),
        "key": "as_fuel",
    },
    {
        "name": "reading",
        "label": "Servizio di lettura ripartitori",
        "amount": Decimal("352.00"),
        "key": "per_unit",
    },
]
FUEL_COST = Decimal("18460.00")


def last_complete_season(site: Site, today: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, last day] of the latest heating season that has ended."""
    first, after = services.season_of(site, today)
    if after > today:
        first, after = services.season_of(site, first - dt.timedelta(days=1))
    return first, after - dt.timedelta(days=1)


def seed() -> None:
    site = Site.objects.filter(name=SITE_NAME).first()
    if site is None:
        return
    Gateway.objects.get_or_create(site=site, name=GATEWAY_NAME)
    start, end = last_complete_season(site, timezone.localdate())
    runs = AllocationRun.objects.filter(site=site, period_start=start, period_end=end)
    if runs.filter(status=AllocationRun.Status.CLOSED).exists():
        return
    runs.delete()  # a draft left by an interrupted seed
    manager = get_user_model().objects.filter(username=ENERGY_MANAGER).first()
    tampered = Unit.objects.filter(site=site, name=TAMPERED_FLAT).values_list("pk", flat=True)
    run = allocation_services.create_run(
        site,
        period_start=start,
        period_end=end,
        fuel_cost=FUEL_COST,
        costs=COSTS,
        options={
            "involuntary_method": "share",
            "involuntary_share": Decimal("0.22"),  # from the technical report
            "estimate_method": "average_per_thousandth",
            "estimated_units": list(tampered),
        },
        by=manager,
        note="Riparto stagione termica (demo)",
    )
    allocation_services.close_run(run, by=manager)

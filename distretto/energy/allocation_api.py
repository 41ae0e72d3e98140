"""Heating-cost allocation API: /api/v1/energy/sites/{id}/allocations...

The site's managers create a run (201 with every unit's breakdown and the totals),
read it, close it and download the statements; a resident reads the closed runs of
their site with their own unit's statement only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from distretto.accounts.scoping import get_in_scope, require_write
from distretto.core.errors import NotFound
from distretto.core.pagination import paginate
from distretto.energy import allocation_pdf, allocation_services
from distretto.energy.access import managed_sites
from distretto.energy.allocation_access import runs_for, statement_unit_ids
from distretto.energy.allocation_models import AllocationRun

router = Router(tags=["energy allocation"])

Money = Field(..., max_digits=12, decimal_places=2)
CostName = Field(..., pattern=r"^[a-z][a-z0-9_]{0,39}$")


class CostIn(Schema):
    name: str = CostName
    label: str = Field("", max_length=120)
    amount: Decimal = Money
    key: str


class OptionsIn(Schema):
    measure: str | None = None
    involuntary_method: str = "share"
    involuntary_share: Decimal | None = None
    voluntary_share: Decimal | None = None
    requirement_difference: Decimal | None = None
    fixed_key: str | None = None
    generator_heat_kwh: Decimal | None = None
    estimate_method: str = "average_per_thousandth"
    estimated_units: list[int] = []
    degree_days: Decimal | None = None
    previous_degree_days: Decimal | None = None


class AllocationIn(Schema):
    period_start: dt.date
    period_end: dt.date  # included
    fuel_cost: Decimal = Money
    costs: list[CostIn] = []
    options: OptionsIn = OptionsIn()
    supersedes: int | None = None
    note: str = Field("", max_length=300)


class CostOut(Schema):
    name: str
    label: str
    amount: str
    key: str


class UnitStatementOut(Schema):
    unit: int
    name: str
    millesimi_heat: str
    estimated: bool
    estimate_method: str | None
    voluntary_quantity: str
    components: dict[str, str]
    total: str
    previous_quantity: str | None
    previous_total: str | None
    change_from_previous: str | None


class TotalsOut(Schema):
    components: dict[str, str]
    total: str
    units: int
    estimated_units: int


class AllocationOut(Schema):
    id: int
    site: int
    period_start: dt.date
    period_end: dt.date
    status: str
    measure: str
    involuntary_method: str
    involuntary_share: str
    fixed_key: str | None
    involuntary_kwh: str | None
    estimate_method: str
    degree_days: str | None
    previous_degree_days: str | None
    supersedes: int | None
    note: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    costs: list[CostOut]
    totals: TotalsOut
    units: list[UnitStatementOut]


class AllocationSummary(Schema):
    id: int
    site: int
    period_start: dt.date
    period_end: dt.date
    status: str
    total: str
    supersedes: int | None
    created_at: dt.datetime
    closed_at: dt.datetime | None


class AllocationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AllocationSummary]


def _run(request: HttpRequest, site_id: int, run_id: int) -> AllocationRun:
    runs = runs_for(request.auth).filter(site_id=site_id).select_related("site")
    return get_in_scope(runs, run_id, "allocation")


def _managed_run(request: HttpRequest, site_id: int, run_id: int) -> AllocationRun:
    require_write(request.auth)
    runs = AllocationRun.objects.filter(site__in=managed_sites(request.auth), site_id=site_id)
    return get_in_scope(runs.select_related("site"), run_id, "allocation")


@router.post("/sites/{site_id}/allocations", response={201: AllocationOut})
def create_allocation(request: HttpRequest, site_id: int, payload: AllocationIn):
    """Allocate the site's heating costs over the period (a draft until closed)."""
    require_write(request.auth)
    site = get_in_scope(managed_sites(request.auth), site_id, "site")
    supersedes = None
    if payload.supersedes is not None:
        supersedes = get_in_scope(
            AllocationRun.objects.filter(site=site), payload.supersedes, "allocation"
        )
    run = allocation_services.create_run(
        site,
        period_start=payload.period_start,
        period_end=payload.period_end,
        fuel_cost=payload.fuel_cost,
        costs=[cost.dict() for cost in payload.costs],
        options=payload.options.dict(exclude_unset=True),
        by=request.auth.user,
        supersedes=supersedes,
        note=payload.note,
    )
    return Status(201, allocation_services.run_answer(run))


@router.get("/sites/{site_id}/allocations", response=AllocationPage)
def list_allocations(request: HttpRequest, site_id: int, limit: int = 50, offset: int = 0):
    runs = runs_for(request.auth).filter(site_id=site_id).order_by("-created_at", "-id")
    page = paginate(runs, limit, offset)
    page["items"] = [
        {
            "id": run.pk,
            "site": run.site_id,
            "period_start": run.period_start,
            "period_end": run.period_end,
            "status": run.status,
            "total": f"{run.total:.2f}",
            "supersedes": run.supersedes_id,
            "created_at": run.created_at,
            "closed_at": run.closed_at,
        }
        for run in page["items"]
    ]
    return page


@router.get("/sites/{site_id}/allocations/{run_id}", response=AllocationOut)
def get_allocation(request: HttpRequest, site_id: int, run_id: int):
    """The stored run; a resident sees their own unit's statement only."""
    run = _run(request, site_id, run_id)
    return allocation_services.run_answer(run, statement_unit_ids(request.auth, run))


@router.post("/sites/{site_id}/allocations/{run_id}/close", response=AllocationOut)
def close_allocation(request: HttpRequest, site_id: int, run_id: int):
    """Close the run: from now on it never changes (a correction is a new run)."""
    run = _managed_run(request, site_id, run_id)
    return allocation_services.run_answer(allocation_services.close_run(run, by=request.auth.user))


@router.delete("/sites/{site_id}/allocations/{run_id}", response={204: None})
def delete_allocation(request: HttpRequest, site_id: int, run_id: int):
    """Drop a draft; a closed run is 409."""
    allocation_services.delete_draft(_managed_run(request, site_id, run_id))
    return Status(204, None)


@router.get("/sites/{site_id}/allocations/{run_id}/statements.zip")
def statements_zip(request: HttpRequest, site_id: int, run_id: int):
    """A PDF statement per unit and the site's CSV (a resident: their own PDF only)."""
    run = _run(request, site_id, run_id)
    body = allocation_pdf.statements_zip(run, statement_unit_ids(request.auth, run))
    response = HttpResponse(body, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="riparto-{run.pk}.zip"'
    return response


@router.get("/sites/{site_id}/allocations/{run_id}/statements.csv")
def statements_csv(request: HttpRequest, site_id: int, run_id: int):
    """Every unit of the run in one CSV (the site's managers)."""
    run = _run(request, site_id, run_id)
    if statement_unit_ids(request.auth, run) is not None:
        raise NotFound(_("No allocation with id %(id)s.") % {"id": run_id})
    response = HttpResponse(allocation_pdf.site_csv(run), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="riparto-{run.pk}.csv"'
    return response


@router.get("/sites/{site_id}/allocations/{run_id}/units/{unit_id}/statement.csv")
def unit_statement_csv(request: HttpRequest, site_id: int, run_id: int, unit_id: int):
    """One unit's statement as a CSV row (the resident's own, or any for a manager)."""
    run = _run(request, site_id, run_id)
    allowed = statement_unit_ids(request.auth, run)
    if (allowed is not None and unit_id not in allowed) or not run.results.filter(
        unit_id=unit_id
    ).exists():
        raise NotFound(_("No statement of unit %(id)s in this allocation.") % {"id": unit_id})
    response = HttpResponse(allocation_pdf.site_csv(run, {unit_id}), content_type="text/csv")
    result = run.results.select_related("unit").get(unit_id=unit_id)
    name = allocation_pdf.statement_filename(result).removesuffix(".pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@router.get("/sites/{site_id}/allocations/{run_id}/units/{unit_id}/statement.pdf")
def unit_statement_pdf(request: HttpRequest, site_id: int, run_id: int, unit_id: int):
    run = _run(request, site_id, run_id)
    allowed = statement_unit_ids(request.auth, run)
    results = run.results.select_related("unit")
    if allowed is not None:
        results = results.filter(unit_id__in=allowed)
    result = results.filter(unit_id=unit_id).first()
    if result is None:
        raise NotFound(_("No statement of unit %(id)s in this allocation.") % {"id": unit_id})
    response = HttpResponse(
        allocation_pdf.statement_pdf(run, result), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="{allocation_pdf.statement_filename(result)}"'
    )
    return response

"""Pages of the heating-cost allocation: the list of runs, a new run, the summary for
the building administrator, and each resident's statement. Thin: the rules live in
``allocation_services``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.scoping import principal_for_user
from distretto.core.errors import DomainError, Invalid
from distretto.energy import (
    allocation_law,
    allocation_pdf,
    allocation_services,
    monthly,
    monthly_pdf,
    statement,
)
from distretto.energy.access import managed_sites, units_for
from distretto.energy.allocation_access import runs_for, statement_unit_ids
from distretto.energy.allocation_models import AllocationCost, AllocationRun, UnitAllocation
from distretto.energy.services import season_of

OTHER_COST_ROWS = 4


def _run(request: HttpRequest, run_id: int) -> AllocationRun:
    principal = principal_for_user(request.user)
    return get_object_or_404(runs_for(principal).select_related("site"), pk=run_id)


@login_required
def allocation_list(request: HttpRequest) -> HttpResponse:
    """Runs the user may see; for managers, their sites with a link to a new run."""
    principal = principal_for_user(request.user)
    runs = list(runs_for(principal).select_related("site").order_by("-period_end", "-created_at"))
    managed = set(managed_sites(principal).values_list("pk", flat=True))
    # A resident's own statements in the runs of sites they do not manage, in one query.
    own_results: dict[int, list[UnitAllocation]] = {}
    resident_runs = [run.pk for run in runs if run.site_id not in managed]
    if resident_runs:
        statements = UnitAllocation.objects.filter(
            run__in=resident_runs, unit__occupant=request.user
        ).select_related("unit")
        for statement in statements:
            own_results.setdefault(statement.run_id, []).append(statement)
    return render(
        request,
        "energy/allocation_list.html",
        {
            "runs": [(run, run.site_id in managed, own_results.get(run.pk, [])) for run in runs],
            "sites": managed_sites(principal).order_by("name"),
        },
    )


def _decimal_field(request: HttpRequest, name: str) -> Decimal | None:
    raw = request.POST.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise Invalid(_("%(field)s is not a number.") % {"field": name}, field=name)
    return value


def _date_field(request: HttpRequest, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.POST.get(name, ""))
    except ValueError:
        raise Invalid(_("Give a date."), field=name) from None


@login_required
def allocation_new(request: HttpRequest, site_id: int) -> HttpResponse:
    """A form for a new run of one site (the API does the same with JSON)."""
    principal = principal_for_user(request.user)
    site = get_object_or_404(managed_sites(principal), pk=site_id)
    first, after = season_of(site, dt.date.today() - dt.timedelta(days=365 // 2))
    values = {
        "period_start": first.isoformat(),
        "period_end": (after - dt.timedelta(days=1)).isoformat(),
        "involuntary_method": "share",
        "involuntary_share": "0.25",
        "estimate_method": "average_per_thousandth",
    }
    error = None
    if request.method == "POST":
        values = request.POST.dict()
        values["estimated_units"] = request.POST.getlist("estimated_units")
        try:
            options = {
                "involuntary_method": request.POST.get("involuntary_method", "share"),
                "estimate_method": request.POST.get("estimate_method", "average_per_thousandth"),
                "estimated_units": [
                    int(pk) for pk in request.POST.getlist("estimated_units") if pk.isdigit()
                ],
            }
            if request.POST.get("measure"):
                options["measure"] = request.POST["measure"]
            if request.POST.get("fixed_key"):
                options["fixed_key"] = request.POST["fixed_key"]
            for name in ("involuntary_share", "voluntary_share", "requirement_difference"):
                if (value := _decimal_field(request, name)) is not None:
                    options[name] = value
            costs = []
            for index in range(OTHER_COST_ROWS):
                amount = _decimal_field(request, f"cost_amount_{index}")
                if amount is None:
                    continue
                label = request.POST.get(f"cost_label_{index}", "").strip()
                costs.append(
                    {
                        "name": f"cost_{index + 1}",
                        "label": label,
                        "amount": amount,
                        "key": request.POST.get(f"cost_key_{index}", "per_unit"),
                    }
                )
            fuel = _decimal_field(request, "fuel_cost")
            if fuel is None:
                raise Invalid(_("Give the fuel cost."), field="fuel_cost")
            run = allocation_services.create_run(
                site,
                period_start=_date_field(request, "period_start"),
                period_end=_date_field(request, "period_end"),
                fuel_cost=fuel,
                costs=costs,
                options=options,
                by=request.user,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("Allocation computed: check it, then close it."))
            return redirect("energy:allocation", run_id=run.pk)
    return render(
        request,
        "energy/allocation_new.html",
        {
            "site": site,
            "values": values,
            "error": error,
            "methods": AllocationRun.InvoluntaryMethod.choices,
            "fixed_keys": AllocationRun.FixedKey.choices,
            "estimates": AllocationRun.EstimateMethod.choices,
            "keys": [c for c in AllocationCost.Key.choices if c[0] != "fuel"],
            "measures": AllocationRun.Measure.choices,
            "units": site.units.order_by("name"),
            "cost_rows": range(OTHER_COST_ROWS),
        },
    )


@login_required
def allocation_summary(request: HttpRequest, run_id: int) -> HttpResponse:
    """The building administrator's summary: every unit, the totals, the documents."""
    run = _run(request, run_id)
    principal = principal_for_user(request.user)
    if statement_unit_ids(principal, run) is not None:
        raise Http404  # residents read their own statement page
    if request.method == "POST" and request.POST.get("action") == "close":
        try:
            allocation_services.close_run(run, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Allocation closed: it can no longer change."))
        return redirect("energy:allocation", run_id=run.pk)
    labels = allocation_services.component_labels(run)
    answer = allocation_services.run_answer(run)
    rows = [
        {**row, "amounts": [row["components"].get(name, "0.00") for name, _l in labels]}
        for row in answer["units"]
    ]
    return render(
        request,
        "energy/allocation_summary.html",
        {
            "run": run,
            "answer": answer,
            "labels": labels,
            "rows": rows,
            "totals": [answer["totals"]["components"].get(name, "0.00") for name, _l in labels],
            "measure": statement.measure_label(run),
            "involuntary_percent": run.involuntary_share * 100,
            "method": allocation_law.method_name(
                run.involuntary_method, run.involuntary_share, run.fixed_key
            ),
            "legal_basis": allocation_law.legal_basis(run.involuntary_method),
            "corrections": run.corrections.order_by("-created_at"),
        },
    )


@login_required
def allocation_unit(request: HttpRequest, run_id: int, unit_id: int) -> HttpResponse:
    """One unit's statement: what the resident (or the administrator) reads."""
    run = _run(request, run_id)
    allowed = statement_unit_ids(principal_for_user(request.user), run)
    if allowed is not None and unit_id not in allowed:
        raise Http404
    result = get_object_or_404(run.results.select_related("unit"), unit_id=unit_id)
    components = [
        (label, result.components.get(name, "0.00"))
        for name, label in allocation_services.component_labels(run)
    ]
    change = None if result.previous_total is None else result.total - result.previous_total
    facts = statement.statement_facts(run, result)
    return render(
        request,
        "energy/allocation_unit.html",
        {
            "facts": facts,
            "chart": statement.comparison_svg(facts.comparison, _("Your consumption compared")),
            "run": run,
            "result": result,
            "components": components,
            "change": change,
            "reading": allocation_pdf.estimate_text(result),
            "measure": statement.measure_label(run),
            "is_manager": allowed is None,
        },
    )


def _monthly_unit(request: HttpRequest, unit_id: int):
    unit = get_object_or_404(
        units_for(principal_for_user(request.user)).select_related("site"), pk=unit_id
    )
    if not monthly.is_read_remotely(unit.site):
        raise Http404(_("This site's meters are not read remotely: no monthly figures."))
    return unit


@login_required
def unit_monthly(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A unit's consumption month by month, with the comparisons of the statement."""
    unit = _monthly_unit(request, unit_id)
    this_month = monthly.month_start(timezone.localdate())
    month = this_month
    if request.GET.get("month"):
        month = monthly.parse_month(request.GET["month"])
        if month is None or month > this_month:
            raise Http404(_("Choose a month, up to this one."))
    info = monthly.monthly_information(unit, month)
    return render(
        request,
        "energy/unit_monthly.html",
        {
            "unit": unit,
            "info": info,
            "month_value": f"{month:%Y-%m}",
            "max_month": f"{this_month:%Y-%m}",
            "chart": statement.comparison_svg(
                info.current.comparison, _("Your consumption compared")
            ),
            "facts": {
                "whom_to_ask": allocation_law.whom_to_ask(),
                "billing_basis": allocation_law.billing_information_basis(),
            },
        },
    )


@login_required
def unit_monthly_pdf(request: HttpRequest, unit_id: int, month: str) -> HttpResponse:
    unit = _monthly_unit(request, unit_id)
    first = monthly.parse_month(month)
    if first is None:
        raise Http404
    body = monthly_pdf.monthly_pdf(monthly.monthly_information(unit, first))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="consumi-{unit.pk}-{month}.pdf"'
    return response

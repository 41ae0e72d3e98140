"""Open data of the observatory under /api/v1/observatory/: public, no token needed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from distretto.core.contract import one_of
from distretto.core.errors import Invalid
from distretto.observatory import indicators as ind
from distretto.observatory import opendata, services

router = Router(tags=["observatory"])

MAX_LIMIT = 10_000
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"  # YYYY-MM


class IndicatorOut(Schema):
    code: str
    area: str
    name_it: str
    name_en: str
    unit: str
    formula_it: str
    formula_en: str
    source: str
    estimate: bool


class ValueOut(Schema):
    month: str
    chamber: str
    district: str | None
    district_name: str
    area: str
    indicator: str
    name: str
    unit: str
    value: float | None
    suppressed: bool
    estimate: bool


class ValuePage(Schema):
    count: int
    results: list[ValueOut]


@router.get("/definitions", response=list[IndicatorOut], auth=None)
def definitions(request: HttpRequest):
    """The published indicators: code, names, unit, formula in words, source module."""
    return [indicator.__dict__ for indicator in ind.published()]


@router.get("/indicators", response=ValuePage, auth=None)
def indicators(
    request: HttpRequest,
    district: str | None = None,
    chamber: str | None = None,
    indicator: one_of(i.code for i in ind.published()) | None = None,
    limit: int = Query(1000, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0),
    format: one_of(["json", "csv"]) = "json",
    first: str | None = Query(None, alias="from", pattern=MONTH),
    last: str | None = Query(None, alias="to", pattern=MONTH),
):
    """Monthly values of the published indicators per district (its slug) and per
    chamber (``district`` null), ``from``/``to`` as YYYY-MM (default: the last twelve
    complete months); a value resting on fewer than 5 people or shops is null with
    ``suppressed`` true. ``format=csv`` gives every row as CSV."""
    if format not in ("json", "csv"):
        raise Invalid(_("format is json or csv."), field="format")
    rows = services.open_rows(
        district=district,
        chamber=chamber,
        first=first,
        last=last,
        indicator=indicator,
        language=get_language() or "it",
    )
    if format == "csv":
        response = HttpResponse(services.open_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="osservatorio-indicatori.csv"'
        return response
    return {"count": len(rows), "results": rows[offset : offset + limit]}


@router.get(
    "/catalog.json",
    auth=None,
    response={200: dict},
    openapi_extra={
        "responses": {200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}}
    },
)
def catalog(request: HttpRequest, chamber: str | None = None):
    """DCAT-AP_IT style catalogue (JSON-LD) of the open data, one dataset per chamber."""
    base = f"{request.scheme}://{request.get_host()}"
    response = JsonResponse(opendata.catalog(base, chamber), json_dumps_params={"indent": 1})
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    return response

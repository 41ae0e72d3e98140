"""Read-only figures of the registry for the observatory: districts, months, projects.

Plain data only (dicts, dates, numbers), so that ``observatory`` never touches a
model of this app. A project has a comune and a year in the registry, not a
district or a day: its district is the district of the same chamber whose comune
is the project's, and its start is the first of January of its year.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict
from zoneinfo import ZoneInfo

from distretto.territory.models import District, Project


class DistrictInfo(TypedDict):
    id: int
    slug: str
    name: str
    chamber_id: int
    chamber_code: str
    chamber_name: str
    time_zone: str
    centre_lat: float
    centre_lon: float
    boundary: dict | None


class ProjectInfo(TypedDict):
    id: int
    title: str
    chamber_id: int
    district_id: int | None
    starts_on: date
    year: int
    budget: Decimal | None
    axes: list[str]
    status: str
    status_label: str
    lat: float | None
    lon: float | None


def districts(district_ids: Iterable[int] | None = None) -> list[DistrictInfo]:
    """Active districts (all, or those of ``district_ids``) with their chamber."""
    rows = District.objects.filter(active=True).select_related("chamber").order_by("name")
    if district_ids is not None:
        rows = rows.filter(pk__in=list(district_ids))
    return [
        {
            "id": d.pk,
            "slug": d.slug,
            "name": d.name,
            "chamber_id": d.chamber_id,
            "chamber_code": d.chamber.code,
            "chamber_name": d.chamber.name,
            "time_zone": d.time_zone,
            "centre_lat": d.centre_lat,
            "centre_lon": d.centre_lon,
            "boundary": d.boundary,
        }
        for d in rows
    ]


def next_month(month: date) -> date:
    """The first day of the month after ``month``'s."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(time_zone: str, month: date) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the local calendar ``month`` in ``time_zone``."""
    zone = ZoneInfo(time_zone)
    following = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=zone),
        datetime(following.year, following.month, 1, tzinfo=zone),
    )


def district_zones(district_ids: Iterable[int]) -> dict[int, str]:
    """District id -> its time zone name."""
    return dict(District.objects.filter(pk__in=list(district_ids)).values_list("pk", "time_zone"))


def projects(chamber_ids: Iterable[int] | None = None) -> list[ProjectInfo]:
    """Active projects (not cancelled) with their district, start, budget and axes."""
    rows = Project.objects.filter(active=True).exclude(status=Project.Status.CANCELLED)
    if chamber_ids is not None:
        rows = rows.filter(chamber__in=list(chamber_ids))
    by_comune = {
        (d.chamber_id, d.comune_id): d.pk
        for d in District.objects.filter(active=True).exclude(comune=None).order_by("-pk")
    }
    return [
        {
            "id": p.pk,
            "title": p.title,
            "chamber_id": p.chamber_id,
            "district_id": by_comune.get((p.chamber_id, p.comune_id)),
            "starts_on": date(p.year, 1, 1),
            "year": p.year,
            "budget": p.budget,
            "axes": p.axes,
            "status": p.status,
            "status_label": str(p.get_status_display()),
            "lat": p.lat,
            "lon": p.lon,
        }
        for p in rows.order_by("year", "title")
    ]

"""Proof of play: the players' raw records, their daily aggregates, and the reports.

- ``record_plays`` stores a player's batch and answers per record: ``stored``,
  ``duplicate`` (its id was stored before: a resent batch counts once), ``ignored``
  (its content no longer exists in the display's district) or ``refused`` (the record
  itself is wrong, with the reason). In the same transaction the records it stored are
  added to ``PlayDaily``, one row per local day (the district's time zone), display
  and content, so the aggregates are never behind.
- Raw records older than ``RETENTION_DAYS`` (``SIGNAGE_PLAY_RETENTION_DAYS``, default
  90) are deleted by ``purge_raw`` (the ``signage-watch`` command runs it); the
  aggregates stay.
- Reports read the aggregates only (``report``). ``daily_plays`` is the documented
  way for other apps (the observatory) to read plays per day, display and content.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from distretto.signage.models import Content, Display, PlayDaily, PlayRecord
from distretto.territory.models import Business

RETENTION_DAYS = int(os.environ.get("SIGNAGE_PLAY_RETENTION_DAYS", "90"))
FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_DURATION_S = 86400
PURGE_BATCH = 50_000


# --- Recording ---------------------------------------------------------------------------------


def _check(record: object) -> tuple[dict | None, str]:
    """A record as stored, or None and the reason it is refused."""
    if not isinstance(record, dict):
        return None, "a record is an object"
    record_id = record.get("id")
    if not isinstance(record_id, str | int) or isinstance(record_id, bool):
        return None, "id: a string of 1 to 64 characters"
    record_id = str(record_id)
    if not 1 <= len(record_id) <= 64:
        return None, "id: a string of 1 to 64 characters"
    content = record.get("content")
    if not isinstance(content, int) or isinstance(content, bool):
        return None, "content: a content id"
    started = record.get("started_at")
    # JSON from a player, or a datetime from code in this process.
    started_at = started if isinstance(started, datetime) else None
    if isinstance(started, str):
        try:
            started_at = parse_datetime(started)
        except ValueError:
            started_at = None
    if started_at is None:
        return None, "started_at: a date and time, ISO 8601"
    if timezone.is_naive(started_at):
        return None, "started_at: the time needs its offset"
    if started_at > timezone.now() + FUTURE_TOLERANCE:
        return None, "started_at: in the future"
    duration = record.get("duration_s")
    if isinstance(duration, bool) or not isinstance(duration, int | float):
        return None, "duration_s: a number of seconds"
    if not 0 <= duration <= MAX_DURATION_S:
        return None, "duration_s: between 0 and 86400"
    return {
        "id": record_id,
        "content": content,
        "started_at": started_at,
        "duration_s": float(duration),
    }, ""


def record_plays(display: Display, records: list) -> dict:
    """Store a player's batch (see the module); the counts and one result per record,
    in the batch's order."""
    from distretto.signage.services import tz_of

    checked = [_check(record) for record in records]
    results: list[dict] = []
    good: dict[str, dict] = {}
    for record, (clean, reason) in zip(records, checked, strict=True):
        raw_id = str(record.get("id", "")) if isinstance(record, dict) else ""
        if clean is None:
            results.append({"id": raw_id, "status": "refused", "reason": reason})
        elif clean["id"] in good:
            results.append(
                {"id": clean["id"], "status": "refused", "reason": "id: repeated in the batch"}
            )
        else:
            good[clean["id"]] = clean
            results.append({"id": clean["id"], "status": None})
    contents = {
        c.pk: c
        for c in Content.objects.filter(
            district_id=display.district_id, pk__in={r["content"] for r in good.values()}
        ).only("pk", "title", "business_id")
    }
    for result in results:
        if result["status"] is None and good[result["id"]]["content"] not in contents:
            result["status"], result["reason"] = "ignored", "content: no longer exists"
    fresh = [r for r in good.values() if r["content"] in contents]
    with transaction.atomic():
        stored = _insert(display, fresh, contents)
        _add_to_daily(
            display, [r for r in fresh if r["id"] in stored], contents, tz_of(display.district)
        )
    for result in results:
        if result["status"] is None:
            result["status"] = "stored" if result["id"] in stored else "duplicate"
    counts = {status: 0 for status in ("stored", "duplicate", "ignored", "refused")}
    for result in results:
        counts[result["status"]] += 1
    return {
        "received": len(records),
        "stored": counts["stored"],
        "duplicates": counts["duplicate"],
        "ignored": counts["ignored"],
        "refused": counts["refused"],
        "results": results,
    }


def _insert(display: Display, records: list[dict], contents: dict) -> set[str]:
    """Insert the records, skipping ids stored before; the ids inserted now."""
    if not records:
        return set()
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    rows, params = [], []
    for record in records:
        content = contents[record["content"]]
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s)")
        params += [
            display.pk,
            record["id"],
            content.pk,
            content.business_id,
            content.title,
            ops.adapt_datetimefield_value(record["started_at"]),
            record["duration_s"],
            now,
        ]
    table = PlayRecord._meta.db_table
    sql = (
        f"INSERT INTO {table} (display_id, record_id, content_id, business_id, content_title, "
        f"started_at, duration_s, received_at) VALUES {', '.join(rows)} "
        f"ON CONFLICT (display_id, record_id) DO NOTHING RETURNING record_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _add_to_daily(display: Display, records: list[dict], contents: dict, tz) -> None:
    totals: dict[tuple[date, int], list] = {}
    for record in records:
        key = (record["started_at"].astimezone(tz).date(), record["content"])
        entry = totals.setdefault(key, [0, 0.0])
        entry[0] += 1
        entry[1] += record["duration_s"]
    if not totals:
        return
    ops = connection.ops
    rows, params = [], []
    for (day, content_id), (plays, seconds) in totals.items():
        content = contents[content_id]
        rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s)")
        params += [
            ops.adapt_datefield_value(day),
            display.district_id,
            display.pk,
            display.name,
            content_id,
            content.title,
            content.business_id,
            plays,
            seconds,
        ]
    table = PlayDaily._meta.db_table
    sql = (
        f"INSERT INTO {table} (day, district_id, display_id, display_name, content_id, "
        f"content_title, business_id, plays, seconds) VALUES {', '.join(rows)} "
        f"ON CONFLICT (day, display_id, content_id) DO UPDATE SET "
        f"plays = {table}.plays + excluded.plays, seconds = {table}.seconds + excluded.seconds, "
        f"content_title = excluded.content_title, display_name = excluded.display_name"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Keeping the aggregates -------------------------------------------------------------------


def purge_raw(now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
    """Delete raw records started more than ``days`` ago (in batches, so that a large
    purge holds no long lock); their aggregates stay. How many were deleted."""
    cutoff = connection.ops.adapt_datetimefield_value(
        (now or timezone.now()) - timedelta(days=days)
    )
    table = PlayRecord._meta.db_table
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN "
                f"(SELECT id FROM {table} WHERE started_at < %s LIMIT {PURGE_BATCH})",
                [cutoff],
            )
            count = cursor.rowcount
        deleted += count
        if count < PURGE_BATCH:
            return deleted


def _quarter_hours(display_ids: list[int], start: datetime, end: datetime) -> list[tuple]:
    """The raw plays of these displays in [start, end) grouped by display, content and
    UTC quarter-hour: (display, content, title, business, quarter start (UTC), plays,
    seconds). Every real time zone's offset is a multiple of 15 minutes, so each
    quarter-hour falls in one local day, and the grouping is done by the database
    without converting a million timestamps one by one."""
    table = PlayRecord._meta.db_table
    ops = connection.ops
    if connection.vendor == "postgresql":
        quarter = (
            "date_trunc('hour', started_at AT TIME ZONE 'UTC') + "
            "floor(extract(minute from started_at AT TIME ZONE 'UTC') / 15) * interval '15 minutes'"
        )
    else:
        quarter = (
            "substr(started_at, 1, 13) || ':' || "
            "printf('%%02d', (CAST(substr(started_at, 15, 2) AS INTEGER) / 15) * 15)"
        )
    marks = ", ".join(["%s"] * len(display_ids))
    sql = (
        f"SELECT display_id, content_id, content_title, business_id, {quarter} AS quarter, "
        f"COUNT(*), SUM(duration_s) FROM {table} WHERE display_id IN ({marks}) "
        f"AND started_at >= %s AND started_at < %s "
        f"GROUP BY display_id, content_id, content_title, business_id, quarter"
    )
    params = [
        *display_ids,
        ops.adapt_datetimefield_value(start),
        ops.adapt_datetimefield_value(end),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for display_id, content_id, title, business_id, quarter_start, plays, seconds in rows:
        if isinstance(quarter_start, str):
            quarter_start = datetime.fromisoformat(quarter_start)
        found.append(
            (
                display_id,
                content_id,
                title,
                business_id,
                quarter_start.replace(tzinfo=UTC),
                plays,
                seconds,
            )
        )
    return found


@transaction.atomic
def rebuild_daily(district, since: date, until: date) -> int:
    """Recompute the district's aggregates of the local days ``since`` to ``until``
    from the raw records (a repair, for days still within the retention: older days
    have no raw records left and would be emptied). How many rows were written."""
    from distretto.signage.services import tz_of

    tz = tz_of(district)
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()), tz)
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), datetime.min.time()), tz)
    PlayDaily.objects.filter(district=district, day__gte=since, day__lte=until).delete()
    displays = dict(Display.objects.filter(district=district).values_list("pk", "name"))
    if not displays:
        return 0
    totals: dict[tuple, list] = {}
    for display_id, content_id, title, business_id, quarter, plays, seconds in _quarter_hours(
        list(displays), start, end
    ):
        key = (quarter.astimezone(tz).date(), display_id, content_id)
        entry = totals.setdefault(key, [title, business_id, 0, 0.0])
        entry[2] += plays
        entry[3] += seconds or 0
    rows = [
        PlayDaily(
            day=day,
            district=district,
            display_id=display_id,
            display_name=displays[display_id],
            content_id=content_id,
            content_title=title,
            business_id=business_id,
            plays=plays,
            seconds=seconds,
        )
        for (day, display_id, content_id), (title, business_id, plays, seconds) in totals.items()
    ]
    PlayDaily.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- Reading ------------------------------------------------------------------------------------


def daily_plays(
    rows: QuerySet | None = None,
    *,
    district_ids: list[int] | None = None,
    since: date | None = None,
    until: date | None = None,
    display_id: int | None = None,
    content_id: int | None = None,
    business_id: int | None = None,
) -> QuerySet:
    """Plays per local day, display and content (``PlayDaily`` rows: ``day``,
    ``district_id``, ``display_id``/``display_name``, ``content_id``/``content_title``,
    ``business_id``, ``plays``, ``seconds``), filtered; read-only. The service other
    apps use to count plays (e.g. the observatory's figures). ``rows`` narrows the
    start (a caller's scope, ``access.plays_for``); default: every district's."""
    rows = PlayDaily.objects.all() if rows is None else rows
    if district_ids is not None:
        rows = rows.filter(district_id__in=district_ids)
    if since is not None:
        rows = rows.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    if display_id is not None:
        rows = rows.filter(display_id=display_id)
    if content_id is not None:
        rows = rows.filter(content_id=content_id)
    if business_id is not None:
        rows = rows.filter(business_id=business_id)
    return rows


@dataclass(frozen=True)
class Report:
    """Proof of play over a period: totals, per content, per day (for the chart), and
    one page of the rows per day, content and display."""

    plays: int
    seconds: int
    displays: int
    by_content: list[dict]
    by_day: list[dict]
    count: int
    rows: list[dict]


def report(rows: QuerySet, *, limit: int = 50, offset: int = 0, content_limit: int = 100) -> Report:
    """The report of ``rows`` (aggregates, already scoped and filtered)."""
    totals = rows.aggregate(
        plays=Sum("plays"),
        seconds=Sum("seconds"),
        count=Count("id"),
        displays=Count("display_id", distinct=True),
    )
    grouped = list(
        rows.values("content_id", "content_title", "business_id")
        .annotate(
            plays=Sum("plays"),
            seconds=Sum("seconds"),
            displays=Count("display_id", distinct=True),
        )
        .order_by("-plays", "content_title")[:content_limit]
    )
    # The businesses' names for the few rows, not joined into the scan of all of them.
    names = dict(
        Business.objects.filter(pk__in={row["business_id"] for row in grouped}).values_list(
            "pk", "name"
        )
    )
    by_content = [
        {
            "content": row["content_id"],
            "content_title": row["content_title"],
            "business": names.get(row["business_id"], ""),
            "plays": row["plays"],
            "seconds": round(row["seconds"] or 0),
            "hours": round((row["seconds"] or 0) / 3600, 1),
            "displays": row["displays"],
        }
        for row in grouped
    ]
    by_day = [
        {"day": row["day"], "plays": row["plays"], "seconds": round(row["seconds"] or 0)}
        for row in rows.values("day")
        .annotate(plays=Sum("plays"), seconds=Sum("seconds"))
        .order_by("day")
    ]
    page = rows.select_related("business").order_by("-day", "content_title", "display_name")[
        offset : offset + limit
    ]
    return Report(
        plays=totals["plays"] or 0,
        seconds=round(totals["seconds"] or 0),
        displays=totals["displays"] or 0,
        by_content=by_content,
        by_day=by_day,
        count=totals["count"] or 0,
        rows=[row_of(r) for r in page],
    )


def row_of(row: PlayDaily) -> dict:
    return {
        "day": row.day,
        "content": row.content_id,
        "content_title": row.content_title,
        "business": row.business.name if row.business_id and row.business else "",
        "display": row.display_id,
        "display_name": row.display_name,
        "plays": row.plays,
        "seconds": round(row.seconds),
    }


REPORT_COLUMNS = [
    "day",
    "content",
    "content_title",
    "business",
    "display",
    "display_name",
    "plays",
    "seconds",
]


def report_csv(rows: QuerySet) -> io.StringIO:
    """Every row as CSV (day, content, business, display, plays, seconds)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS)
    writer.writeheader()
    ordered = rows.select_related("business").order_by("-day", "content_title", "display_name")
    for row in ordered.iterator(chunk_size=5000):
        writer.writerow({**row_of(row), "day": row.day.isoformat()})
    buffer.seek(0)
    return buffer

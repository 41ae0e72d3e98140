"""Ingestion of meter readings: validation, idempotent bulk storage, incremental rollups.

Every source (the bulk JSON API, CSV upload, the MQTT ingester, replay of rejected
input) goes through :func:`ingest`. An item is either a plain reading
``{"meter": "<external id>", "ts": "...", "value": n}`` or a wmbusmeters JSON
telegram (``{"meter": "<driver>", "id": "<wM-Bus id>", "timestamp": ..., ...}``),
told apart by their fields.

Storage is built for bulk: readings are grouped by meter while they are validated,
sorted by time, and each reading's consumption since the previous one (``delta``)
is computed in memory against the meter's last known reading, kept on the meter
row, with hourly sums carried along. Only readings older than the meter's last one
(late, out-of-order, duplicates) need a look at the stored neighbours; then the
deltas of the affected neighbours are recomputed and the rollups adjusted by the
difference. On SQLite, for readings that only extend their meters' series, this
work is done before the write transaction and kept if the meters have not moved
meanwhile, so that the single writer holds its lock only to write. Readings and
the meters' rollup rows of buckets after their last reading are new rows, written
with binary ``COPY`` on PostgreSQL (under a lock on the meters, so no other writer
can conflict) and ``executemany`` on SQLite; the other rollup rows get set-based
``INSERT ... ON CONFLICT DO UPDATE`` increments, the unit and site rows (shared by
concurrent batches) last.

Cumulative counters: consumption is the increase since the previous reading; a
drop is a reset (heat cost allocators restart from zero at their annual set date,
a counter rolls over) and the new value is the consumption since the reset. A
replaced meter is a new ``Meter`` (with its ``initial_value``), linked from the old
one by ``replaced_by``. Consumption over a gap is spread evenly across the hours
of the gap.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from distretto.energy import alarms, drivers
from distretto.energy.models import Gateway, Meter, Reading, RejectedReading
from distretto.energy.services import LOCAL_TZ

UTC = dt.UTC
HOUR = dt.timedelta(hours=1)


@dataclass
class Rejection:
    index: int
    code: str
    message: str
    payload: Any = None

    def as_dict(self) -> dict:
        return {"index": self.index, "code": self.code, "message": self.message}


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [r.as_dict() for r in self.rejected],
        }

    def add(self, other: IngestResult, offset: int = 0) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        for rejection in other.rejected:
            rejection.index += offset
            self.rejected.append(rejection)


class _Reject(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def future_tolerance() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "ENERGY_FUTURE_TOLERANCE_SECONDS", 300))


def parse_timestamp(raw: Any) -> dt.datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; without offset it is local time."""
    if not isinstance(raw, str) or not raw:
        raise _Reject("malformed", "The timestamp is missing or not a string.")
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _Reject("malformed", f"{raw!r} is not an ISO 8601 timestamp.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


def parse_value(raw: Any) -> float:
    if isinstance(raw, bool) or raw is None:
        raise _Reject("not_numeric", f"{raw!r} is not a number.")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise _Reject("not_numeric", f"{raw!r} is not a number.") from None
    except OverflowError:  # an integer too large for a float
        raise _Reject("not_numeric", "The value is not a finite number.") from None
    if not math.isfinite(value):
        raise _Reject("not_numeric", f"{raw!r} is not a finite number.")
    if value < 0:
        raise _Reject("negative_value", f"The value {raw!r} is negative.")
    return value


def is_telegram(item: dict) -> bool:
    """wmbusmeters telegrams carry ``id`` and ``timestamp``; plain readings ``ts``."""
    return "ts" not in item and "id" in item and "timestamp" in item


def telegram_value(item: dict, driver: drivers.Driver | None = None) -> Any:
    """The counter of a wmbusmeters telegram, by its driver (see ``drivers.py``)."""
    driver = driver or drivers.driver_of(item)
    name = drivers.value_field(item, driver)
    if name is None:
        carried = ", ".join(drivers.carried_fields(item)[:12]) or "none"
        raise _Reject(
            "unsupported_driver",
            f"The telegram of driver {item.get('meter')!r} has no value field this "
            f"platform reads; its numeric fields: {carried}.",
        )
    return drivers.scaled(name, item[name])


@dataclass(frozen=True)
class Detail:
    """What a telegram says besides its counter: the device's status and, for an
    allocator, the counter at its last set date (the moment its counter restarted)."""

    status: str | None = None
    set_at: dt.datetime | None = None
    set_value: float | None = None


# Details by what they are made of: a gateway's telegrams repeat the same few.
_DETAILS: dict[tuple, Detail | None] = {}


def telegram_detail(item: dict, driver: drivers.Driver | None = None) -> Detail | None:
    """The status and set-date reading of a telegram, None when it has neither."""
    driver = driver or drivers.driver_of(item)
    key = (
        item.get("meter"),
        item.get("status"),
        *(item.get(name) for pair in driver.set_dates for name in pair),
    )
    try:
        return _DETAILS[key]
    except KeyError:
        pass
    except TypeError:  # a list or an object where a number or a date belongs
        return _telegram_detail(item, driver)
    if len(_DETAILS) > 10_000:
        _DETAILS.clear()
    found = _DETAILS[key] = _telegram_detail(item, driver)
    return found


def _telegram_detail(item: dict, driver: drivers.Driver) -> Detail | None:
    raw_status = item.get("status")
    status = " ".join(raw_status.split())[:250] if isinstance(raw_status, str) else None
    point = drivers.set_date_value(item, driver)
    if point is None:
        return Detail(status) if status else None
    # The counter restarts when the set date ends: at the local midnight after it.
    set_at = dt.datetime.combine(point[0] + dt.timedelta(days=1), dt.time(), tzinfo=LOCAL_TZ)
    return Detail(status or None, set_at.astimezone(UTC), point[1])


def read_telegram(
    item: dict, timestamps: dict | None = None
) -> tuple[str, dt.datetime, float, Detail | None]:
    """(external id, UTC timestamp, value, details) of a wmbusmeters telegram."""
    external_id, raw_ts = item.get("id"), item.get("timestamp")
    # A broken telegram is malformed before its value is looked for.
    if external_id in (None, "") or not isinstance(raw_ts, str) or not raw_ts:
        raise _Reject("malformed", "A telegram needs id and timestamp.")
    if not isinstance(external_id, str | int) or isinstance(external_id, bool):
        raise _Reject("malformed", "The meter id is missing.")
    driver = drivers.driver_of(item)
    raw_value = telegram_value(item, driver)
    moment, value = _moment_and_value(raw_ts, raw_value, timestamps)
    return str(external_id), moment, value, telegram_detail(item, driver)


def normalise(item: Any, timestamps: dict | None = None) -> tuple[str, dt.datetime, float]:
    """(external id, UTC timestamp, value) of a plain reading or a wmbusmeters telegram.

    ``timestamps`` caches parsed timestamps: a gateway's batch repeats the same few.
    """
    if not isinstance(item, dict):
        raise _Reject("malformed", "A reading is a JSON object.")
    if is_telegram(item):
        return read_telegram(item, timestamps)[:3]
    external_id, raw_ts = item.get("meter"), item.get("ts")
    if "value" not in item:
        raise _Reject("malformed", "A reading needs meter, ts and value.")
    raw_value = item["value"]
    if not isinstance(external_id, str | int) or isinstance(external_id, bool) or external_id == "":
        raise _Reject("malformed", "The meter id is missing.")
    moment, value = _moment_and_value(raw_ts, raw_value, timestamps)
    return str(external_id), moment, value


def _moment_and_value(
    raw_ts: Any, raw_value: Any, timestamps: dict | None
) -> tuple[dt.datetime, float]:
    """The parsed timestamp (through the batch's cache) and value of one reading."""
    moment = timestamps.get(raw_ts) if timestamps is not None and type(raw_ts) is str else None
    if moment is None:
        moment = parse_timestamp(raw_ts)
        if timestamps is not None:
            timestamps[raw_ts] = moment
    if type(raw_value) is float and 0 <= raw_value < math.inf:
        return moment, raw_value
    return moment, parse_value(raw_value)


# --- Consumption arithmetic ---------------------------------------------------------------


def counter_delta(previous: float | None, value: float, meter: _MeterState) -> float | None:
    """Consumption since the previous reading of a meter (None: unknown baseline)."""
    if meter.interval:
        return value
    if previous is None:
        return None if meter.initial_value is None else max(value - meter.initial_value, 0.0)
    if value >= previous:
        return value - previous
    return value  # a reset: the counter restarted from zero


# How far back a reading's set date may be and still tell when its counter restarted.
SET_DATE_HORIZON = dt.timedelta(days=366)


def set_date_parts(
    meter: _MeterState,
    previous_ts: dt.datetime | None,
    previous: float | None,
    ts: dt.datetime,
    value: float,
    detail: Detail | None,
) -> tuple[float | None, list[tuple[dt.datetime | dt.date, float]]] | None:
    """Consumption and its buckets of an allocator reading across its set date.

    None when the set date does not fall between the previous reading and this one
    (then :func:`counter_delta` applies). Otherwise the counter went from the previous
    value to the value at the set date, restarted from zero and reached ``value``:
    the two parts are counted once each, before and after the set date, however
    many readings are missing around it. A first reading (no initial value known)
    counts from zero at the set date. A set date more than a year before the reading
    is stale (allocators reset every year) and is not used.
    """
    if detail is None or detail.set_at is None or meter.interval or ts < detail.set_at:
        return None
    if ts - detail.set_at > SET_DATE_HORIZON:
        return None
    set_at, set_value = detail.set_at, detail.set_value
    if previous_ts is None:
        if meter.initial_value is not None:
            return None
        return value, contributions(set_at, ts, value, False)
    if previous_ts >= set_at or previous is None:
        return None
    before = max(set_value - previous, 0.0)
    return before + value, contributions(previous_ts, set_at, before, False) + contributions(
        set_at, ts, value, False
    )


def floor_hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


# Gaps up to this long are spread over hours; longer ones over local days only, so that
# a meter read once a day does not fill 24 hourly buckets with an invented profile.
HOURLY_SPREAD_LIMIT = dt.timedelta(hours=6)


def _local_midnight_after(moment: dt.datetime) -> dt.datetime:
    day = moment.astimezone(LOCAL_TZ).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ)


def contributions(
    previous_ts: dt.datetime | None, ts: dt.datetime, delta: float | None, interval: bool
) -> list[tuple[dt.datetime | dt.date, float]]:
    """How a reading's consumption falls into buckets: UTC hours, or local days.

    A counter's increase happened between the previous reading and this one: it goes
    to that hour, or is spread evenly over the hours of a gap of up to six hours, or
    over the local days of a longer one (which then has no hourly figures). Interval
    readings are stamped with the start of their interval.
    """
    if delta is None:
        return []
    if interval or previous_ts is None:
        return [(floor_hour(ts), delta)]
    start = floor_hour(previous_ts)
    if ts <= start + HOUR:
        return [(start, delta)]
    span = (ts - previous_ts).total_seconds()
    parts: list[tuple[dt.datetime | dt.date, float]] = []
    if ts - previous_ts <= HOURLY_SPREAD_LIMIT:
        bucket = start
        while bucket < ts:
            lower = max(bucket, previous_ts)
            upper = min(bucket + HOUR, ts)
            parts.append((bucket, delta * (upper - lower).total_seconds() / span))
            bucket += HOUR
        return parts
    lower = previous_ts
    while lower < ts:
        upper = min(_local_midnight_after(lower), ts)
        parts.append(
            (lower.astimezone(LOCAL_TZ).date(), delta * (upper - lower).total_seconds() / span)
        )
        lower = upper
    return parts


@dataclass
class _MeterState:
    pk: int
    interval: bool
    initial_value: float | None
    last_ts: dt.datetime | None
    last_value: float | None
    # For the unit and site rollups: where the meter counts, and its weight (K for allocators).
    site_id: int = 0
    unit_id: int | None = None
    kind: str = ""
    role: str = ""
    weight: float = 1.0


class _Rollups:
    """Increments of the rollups, written set-based at the end of a batch."""

    def __init__(self) -> None:
        self.hourly: dict[tuple[int, dt.datetime], list] = defaultdict(lambda: [0.0, 0])
        self.daily_only: dict[tuple[int, dt.date], float] = defaultdict(float)
        self._local: dict[dt.datetime, tuple[dt.date, dt.date]] = {}
        self.hours: dict[dt.datetime, dt.datetime] = {}

    def hour_of(self, ts: dt.datetime) -> dt.datetime:
        hour = self.hours.get(ts)
        if hour is None:
            hour = self.hours[ts] = ts.replace(minute=0, second=0, microsecond=0)
        return hour

    def add(self, meter_id: int, parts: list[tuple], sign: float = 1) -> None:
        for bucket, amount in parts:
            if isinstance(bucket, dt.datetime):
                self.hourly[(meter_id, bucket)][0] += sign * amount
            else:
                self.daily_only[(meter_id, bucket)] += sign * amount

    def add_hour(self, meter_id: int, hour: dt.datetime, amount: float, samples: int) -> None:
        entry = self.hourly[(meter_id, hour)]
        entry[0] += amount
        entry[1] += samples

    def sample(self, meter_id: int, ts: dt.datetime) -> None:
        self.hourly[(meter_id, self.hour_of(ts))][1] += 1

    def local(self, bucket: dt.datetime) -> tuple[dt.date, dt.date]:
        found = self._local.get(bucket)
        if found is None:
            day = bucket.astimezone(LOCAL_TZ).date()
            found = self._local[bucket] = (day, day.replace(day=1))
        return found

    def rows(self) -> tuple[list, list, list]:
        daily: dict[tuple[int, dt.date], list] = defaultdict(lambda: [0.0, 0])
        monthly: dict[tuple[int, dt.date], list] = defaultdict(lambda: [0.0, 0])
        for (meter_id, bucket), (amount, samples) in self.hourly.items():
            day, month = self.local(bucket)
            for target, key in ((daily, (meter_id, day)), (monthly, (meter_id, month))):
                entry = target[key]
                entry[0] += amount
                entry[1] += samples
        for (meter_id, day), amount in self.daily_only.items():
            daily[(meter_id, day)][0] += amount
            monthly[(meter_id, day.replace(day=1))][0] += amount
        return (
            [(m, b, a, s) for (m, b), (a, s) in self.hourly.items()],
            [(m, b, a, s) for (m, b), (a, s) in daily.items()],
            [(m, b, a, s) for (m, b), (a, s) in monthly.items()],
        )


def group_rows(
    states: dict[int, _MeterState], hourly: list, daily: list, monthly: list
) -> list[tuple]:
    """Unit and whole-site increments (site, unit_key, kind, role, granularity, bucket, amount)."""
    totals: dict[tuple, float] = defaultdict(float)
    midnights: dict[dt.date, dt.datetime] = {}

    def midnight(day: dt.date) -> dt.datetime:
        found = midnights.get(day)
        if found is None:
            found = midnights[day] = dt.datetime.combine(day, dt.time(), tzinfo=LOCAL_TZ)
        return found

    for granularity, rows in (("h", hourly), ("d", daily), ("m", monthly)):
        for meter_id, bucket, amount, _samples in rows:
            if not amount:
                continue
            meter = states[meter_id]
            moment = bucket if granularity == "h" else midnight(bucket)
            weighted = amount * meter.weight
            totals[(meter.site_id, 0, meter.kind, meter.role, granularity, moment)] += weighted
            if meter.unit_id is not None:
                key = (meter.site_id, meter.unit_id, meter.kind, meter.role, granularity, moment)
                totals[key] += weighted
    return [(*key, amount) for key, amount in totals.items()]


def _sqlite_datetime(moment: dt.datetime) -> str:
    # What Django's SQLite backend stores for an aware datetime: naive UTC text.
    return str(moment.astimezone(UTC).replace(tzinfo=None))


GROUP_UPSERT = (
    "INSERT INTO energy_grouprollup "
    "(site_id, unit_key, kind, role, granularity, bucket, consumption) {source} "
    "ON CONFLICT (site_id, granularity, bucket, unit_key, kind, role) DO UPDATE SET "
    "consumption = energy_grouprollup.consumption + excluded.consumption"
)
METER_UPSERT = (
    "INSERT INTO {table} (meter_id, bucket, consumption, samples) {source} "
    "ON CONFLICT (meter_id, bucket) DO UPDATE SET "
    "consumption = {table}.consumption + excluded.consumption, "
    "samples = {table}.samples + excluded.samples"
)
METER_MOVE = (
    "UPDATE energy_meter SET last_ts = moved.ts, last_value = moved.value "
    "FROM ({source}) AS moved (ts, value, id) WHERE energy_meter.id = moved.id"
)


def _pg_copy(cursor, target: str, types: list[str], rows: Iterable[tuple]) -> None:
    """``rows`` into ``target`` ("table" or "table (columns)") with a binary ``COPY``,
    psycopg's cheapest way in from Python: no per-value text formatting on the
    client, no parsing on the server."""
    with cursor.cursor.copy(f"COPY {target} FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _pg_staged(cursor, sql: str, staging: str, columns: str, rows: list[tuple]) -> None:
    """Run ``sql`` with ``{source}`` reading ``rows`` from the session's temporary
    table ``staging`` (``columns``: "name type, ..."), filled by ``_pg_copy``."""
    cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {staging} ({columns})")
    cursor.execute(f"TRUNCATE {staging}")
    _pg_copy(cursor, staging, [column.split()[1] for column in columns.split(", ")], rows)
    cursor.execute(sql.format(source=f"SELECT * FROM {staging}"))


# The meters' rollup tables and the type of their bucket, hour to month.
METER_ROLLUP_TABLES = (
    ("energy_hourlyrollup", "timestamptz"),
    ("energy_dailyrollup", "date"),
    ("energy_monthlyrollup", "date"),
)


def _sqlite_buckets(
    rows: list[tuple], bucket_type: str, texts: dict[dt.datetime, str]
) -> list[tuple]:
    """Rollup rows with their bucket as Django's SQLite backend stores it."""
    if bucket_type == "timestamptz":
        return [(m, texts[b], a, s) for m, b, a, s in rows]
    return [(m, str(b), a, s) for m, b, a, s in rows]


def _insert_meter_rollups(levels: tuple[list[tuple], ...]) -> None:
    """New rows of the meters' rollups (hourly, daily, monthly), known not to be there yet."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for (table, bucket_type), rows in zip(METER_ROLLUP_TABLES, levels, strict=True):
                if rows:
                    types = ["int8", bucket_type, "float8", "int4"]
                    target = f"{table} (meter_id, bucket, consumption, samples)"
                    _pg_copy(cursor, target, types, rows)
            return
        texts = _sqlite_texts({row[1] for row in levels[0]})
        for (table, bucket_type), rows in zip(METER_ROLLUP_TABLES, levels, strict=True):
            if rows:
                cursor.executemany(
                    f"INSERT INTO {table} (meter_id, bucket, consumption, samples) "
                    "VALUES (%s, %s, %s, %s)",
                    _sqlite_buckets(rows, bucket_type, texts),
                )


def _upsert_meter_rollups(levels: tuple[list[tuple], ...]) -> None:
    """Add increments to the meters' rollups (hourly, daily, monthly): one set-based
    upsert per table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for (table, bucket_type), rows in zip(METER_ROLLUP_TABLES, levels, strict=True):
                if rows:
                    columns = (
                        f"meter_id int8, bucket {bucket_type}, consumption float8, samples int4"
                    )
                    sql = METER_UPSERT.replace("{table}", table)
                    _pg_staged(cursor, sql, f"{table}_increment", columns, rows)
            return
        # SQLite: executemany of prepared upserts is its fastest way (no round trips).
        texts = _sqlite_texts({row[1] for row in levels[0]})
        for (table, bucket_type), rows in zip(METER_ROLLUP_TABLES, levels, strict=True):
            if rows:
                cursor.executemany(
                    METER_UPSERT.replace("{table}", table).format(source="VALUES (%s, %s, %s, %s)"),
                    _sqlite_buckets(rows, bucket_type, texts),
                )


def _upsert_group_rollups(groups: list[tuple]) -> None:
    """Add a batch's increments to the unit and site rollups, in the order given."""
    if not groups:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = (
                "site_id int8, unit_key int4, kind text, role text, granularity text, "
                "bucket timestamptz, consumption float8"
            )
            _pg_staged(cursor, GROUP_UPSERT, "energy_group_increment", columns, groups)
            return
        texts = _sqlite_texts({row[5] for row in groups})
        cursor.executemany(
            GROUP_UPSERT.format(source="VALUES (%s, %s, %s, %s, %s, %s, %s)"),
            [(*row[:5], texts[row[5]], row[6]) for row in groups],
        )


def _sqlite_texts(moments: set[dt.datetime]) -> dict[dt.datetime, str]:
    """``_sqlite_datetime`` of each moment: a batch repeats the same few."""
    return {moment: _sqlite_datetime(moment) for moment in moments}


def _insert_readings(
    rows: list[tuple[int, dt.datetime, float, float | None]],
    details: dict[tuple[int, dt.datetime], Detail] | None = None,
) -> None:
    """New rows of the readings table, which are known not to be there yet.

    With ``details`` (telegrams' status and set date by meter and time) the rows carry
    those columns too; plain readings leave them null.
    """
    if not rows:
        return
    columns = "meter_id, ts, value, delta"
    types = ["int8", "timestamptz", "float8", "float8"]
    if details:
        columns += ", status, set_at, set_value"
        types += ["text", "timestamptz", "float8"]
        empty = Detail()
        rows = [
            (m, ts, v, d, detail.status, detail.set_at, detail.set_value)
            for m, ts, v, d in rows
            for detail in (details.get((m, ts), empty),)
        ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_copy(cursor, f"energy_reading ({columns})", types, rows)
            return
        texts = _sqlite_texts({row[1] for row in rows})
        texts[None] = None
        for row in rows:
            if len(row) > 4 and row[5] is not None:
                texts.setdefault(row[5], _sqlite_datetime(row[5]))
        cursor.executemany(
            f"INSERT INTO energy_reading ({columns}) VALUES ({', '.join(['%s'] * len(types))}) "
            "ON CONFLICT (meter_id, ts) DO NOTHING",
            [(row[0], texts[row[1]], *row[2:5], texts[row[5]], *row[6:]) for row in rows]
            if details
            else [(m, texts[ts], v, d) for m, ts, v, d in rows],
        )


def _move_meters(moves: list[tuple[dt.datetime, float, int]]) -> None:
    """Each meter's last reading (timestamp, value, meter id) moved forward."""
    if not moves:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = "ts timestamptz, value float8, id int8"
            _pg_staged(cursor, METER_MOVE, "energy_meter_move", columns, moves)
            return
        cursor.executemany(
            "UPDATE energy_meter SET last_ts = %s, last_value = %s WHERE id = %s",
            [(_sqlite_datetime(t), v, m) for t, v, m in moves],
        )


def _late_merge(
    meter: _MeterState,
    new: list[tuple[dt.datetime, float]],
    rollups: _Rollups,
    updates: list[tuple[float | None, int]],
    fresh_points: dict[dt.datetime, Detail] | None = None,
) -> tuple[list[tuple[int, dt.datetime, float, float | None]], int]:
    """Merge readings older than the meter's last into the stored sequence.

    Returns the rows to insert and the number of duplicates; queues delta updates of
    stored neighbours and the rollup corrections.
    """
    first, last = new[0][0], new[-1][0]
    before = (
        Reading.objects.filter(meter_id=meter.pk, ts__lt=first).order_by("-ts").values("ts")[:1]
    )
    after = Reading.objects.filter(meter_id=meter.pk, ts__gt=last).order_by("ts").values("ts")[:1]
    window = Reading.objects.filter(meter_id=meter.pk)
    lower = before.first()
    upper = after.first()
    if lower:
        window = window.filter(ts__gte=lower["ts"])
    window = window.filter(ts__lte=upper["ts"] if upper else last)
    stored = list(
        window.order_by("ts").values_list("id", "ts", "value", "delta", "set_at", "set_value")
    )
    points = dict(fresh_points or {})
    for _id, ts, _value, _delta, set_at, set_value in stored:
        if set_at is not None:
            points[ts] = Detail(None, set_at, set_value)
    stored = [row[:4] for row in stored]
    stored_ts = {row[1] for row in stored}
    duplicates = 0
    fresh = []
    for ts, value in new:
        if ts in stored_ts:
            duplicates += 1
        else:
            fresh.append((ts, value))
    if not fresh:
        return [], duplicates
    # Old contributions of the stored readings whose predecessor may change.
    anchor = stored[0] if lower else None
    previous_ts = previous_value = None
    for reading_id, ts, value, delta in stored:
        if anchor is not None and reading_id == anchor[0]:
            previous_ts, previous_value = ts, value
            continue
        crossing = set_date_parts(meter, previous_ts, previous_value, ts, value, points.get(ts))
        if crossing is not None and crossing[0] == delta:
            rollups.add(meter.pk, crossing[1], sign=-1)
        else:
            rollups.add(meter.pk, contributions(previous_ts, ts, delta, meter.interval), sign=-1)
        previous_ts, previous_value = ts, value
    merged = sorted(
        [(ts, value, reading_id, delta) for reading_id, ts, value, delta in stored]
        + [(ts, value, None, None) for ts, value in fresh]
    )
    inserts = []
    previous_ts = previous_value = None
    for ts, value, reading_id, old_delta in merged:
        if anchor is not None and reading_id == anchor[0]:
            previous_ts, previous_value = ts, value
            continue
        crossing = set_date_parts(meter, previous_ts, previous_value, ts, value, points.get(ts))
        if crossing is not None:
            delta, parts = crossing
        else:
            delta = counter_delta(previous_value, value, meter)
            parts = contributions(previous_ts, ts, delta, meter.interval)
        rollups.add(meter.pk, parts)
        if reading_id is None:
            inserts.append((meter.pk, ts, value, delta))
            rollups.sample(meter.pk, ts)
        elif delta != old_delta:
            updates.append((delta, reading_id))
        previous_ts, previous_value = ts, value
    return inserts, duplicates


def _append_in_order(
    meter: _MeterState,
    ordered: list[tuple[dt.datetime, float, int]],
    rollups: _Rollups,
    inserts: list[tuple[int, dt.datetime, float, float | None]],
    set_points: dict[int, Detail] | None = None,
) -> int:
    """Readings newer than the meter's last: deltas and rollups in one pass (the hot path).

    ``ordered`` holds (timestamp, value, index) sorted by time; a repeated timestamp
    is a duplicate within the batch (the first one counts). Consumption and samples are
    summed while they stay in the same hour and added to the rollups when it changes.
    ``set_points``: telegram details with a set date, by index (see :func:`set_date_parts`).
    Returns the number of duplicates.
    """
    meter_id = meter.pk
    interval = meter.interval
    hours = rollups.hours
    add_hour = rollups.add_hour
    previous_ts, previous_value = meter.last_ts, meter.last_value
    # The hour of the previous reading, its end and the samples counted in it so far.
    sample_hour = end = None
    if previous_ts is not None:
        sample_hour = rollups.hour_of(previous_ts)
        end = sample_hour + HOUR
    samples = 0
    # The hour whose consumption is being summed.
    bucket = None
    amount = 0.0
    duplicates = 0
    for ts, value, _index in ordered:
        if ts == previous_ts:
            duplicates += 1
            continue
        hour = hours.get(ts)
        if hour is None:
            hour = hours[ts] = ts.replace(minute=0, second=0, microsecond=0)
        crossing = (
            set_date_parts(meter, previous_ts, previous_value, ts, value, set_points[_index])
            if set_points and _index in set_points
            else None
        )
        if crossing is not None:
            delta, parts = crossing
            target = None
            rollups.add(meter_id, parts)
        elif interval or previous_value is None:
            delta = counter_delta(previous_value, value, meter)
            target = None if delta is None else hour
        else:
            delta = value - previous_value if value >= previous_value else value
            if ts <= end:
                target = sample_hour
            else:
                target = None
                rollups.add(meter_id, contributions(previous_ts, ts, delta, False))
        if target is not None:
            if target == bucket:
                amount += delta
            else:
                if bucket is not None:
                    add_hour(meter_id, bucket, amount, 0)
                bucket, amount = target, delta
        if hour == sample_hour:
            samples += 1
        else:
            if samples:
                add_hour(meter_id, sample_hour, 0.0, samples)
            sample_hour, end, samples = hour, hour + HOUR, 1
        inserts.append((meter_id, ts, value, delta))
        previous_ts, previous_value = ts, value
    if bucket is not None:
        add_hour(meter_id, bucket, amount, 0)
    if samples:
        add_hour(meter_id, sample_hour, 0.0, samples)
    return duplicates


def _by_time(reading: tuple[dt.datetime, float, int]) -> dt.datetime:
    return reading[0]


def _meter_states(meter_ids: Iterable[int], *, lock: bool = False) -> dict[int, _MeterState]:
    """The meters' ingestion state; ``lock``: for update (their last reading moves here)."""
    meters = Meter.objects.select_for_update() if lock else Meter.objects.all()
    return {
        row[0]: _MeterState(
            row[0],
            row[1] == Meter.ReadingType.INTERVAL,
            *row[2:9],
            weight=float(row[9] * row[10]) if row[7] == Meter.Kind.HCA and not row[11] else 1.0,
        )
        for row in meters.filter(pk__in=list(meter_ids))
        .order_by("pk")
        .values_list(
            "pk",
            "reading_type",
            "initial_value",
            "last_ts",
            "last_value",
            "site_id",
            "unit_id",
            "kind",
            "role",
            "kq",
            "kc",
            "product_scale",
        )
    }


def store(
    readings: Sequence[tuple[int, dt.datetime, float]], *, gateway: Gateway | None = None
) -> tuple[int, int]:
    """Store validated readings (meter id, UTC timestamp, value): (accepted, duplicates).

    Idempotent on (meter, ts): a reading already stored changes nothing.
    """
    by_meter: dict[int, list[tuple[dt.datetime, float, int]]] = defaultdict(list)
    for index, (meter_id, ts, value) in enumerate(readings):
        by_meter[meter_id].append((ts, value, index))
    return store_series(by_meter, gateway=gateway)


@dataclass
class _Plan:
    """What storing a batch writes, computed from the meters' states."""

    states: dict[int, _MeterState]
    inserts: list[tuple[int, dt.datetime, float, float | None]] = field(default_factory=list)
    # New deltas of stored readings (delta, reading id), after late data.
    updates: list[tuple[float | None, int]] = field(default_factory=list)
    # Meters whose last reading moves forward: (timestamp, value, meter id).
    moves: list[tuple[dt.datetime, float, int]] = field(default_factory=list)
    duplicates: int = 0
    # Meter rollup rows (meter id, bucket, consumption, samples), hourly, daily and
    # monthly: new ones, and increments of rows that may be stored already.
    new_rollups: tuple[list[tuple], ...] = field(default_factory=lambda: ([], [], []))
    rollup_increments: tuple[list[tuple], ...] = field(default_factory=lambda: ([], [], []))
    groups: list[tuple] = field(default_factory=list)
    # Telegram details of the batch's readings, by (meter id, timestamp).
    details: dict[tuple[int, dt.datetime], Detail] = field(default_factory=dict)


def _has_late_data(
    states: dict[int, _MeterState], by_meter: dict[int, list[tuple[dt.datetime, float, int]]]
) -> bool:
    """Whether any meter gets a reading not newer than its last one (sorted series)."""
    return any(
        states[meter_id].last_ts is not None and series[0][0] <= states[meter_id].last_ts
        for meter_id, series in by_meter.items()
    )


def _plan(
    states: dict[int, _MeterState],
    by_meter: dict[int, list[tuple[dt.datetime, float, int]]],
    details: dict[int, Detail] | None = None,
) -> _Plan:
    """Deltas, rollup increments and meter moves of a batch (series sorted by time).

    ``details``: what telegrams said besides their counter, by index. Reads stored
    readings only for late data.
    """
    plan = _Plan(states)
    rollups = _Rollups()
    set_points = {i: d for i, d in details.items() if d.set_at is not None} if details else None
    for meter_id, series in by_meter.items():
        meter = states[meter_id]
        if details:
            for ts, _value, index in series:
                if index in details:
                    plan.details.setdefault((meter_id, ts), details[index])
        if meter.last_ts is not None and series[0][0] <= meter.last_ts:
            ordered = []
            for ts, value, _index in series:
                if ordered and ordered[-1][0] == ts:
                    plan.duplicates += 1
                else:
                    ordered.append((ts, value))
            fresh_points = (
                {ts: set_points[i] for ts, _v, i in series if i in set_points}
                if set_points
                else None
            )
            rows, duplicates = _late_merge(meter, ordered, rollups, plan.updates, fresh_points)
            plan.duplicates += duplicates
            plan.inserts.extend(rows)
        else:
            plan.duplicates += _append_in_order(meter, series, rollups, plan.inserts, set_points)
        last_ts, last_value, _index = series[-1]
        if meter.last_ts is None or last_ts > meter.last_ts:
            plan.moves.append((last_ts, last_value, meter_id))
    levels = rollups.rows()
    plan.new_rollups, plan.rollup_increments = _split_new_rollups(states, levels)
    # Sorted, so that concurrent batches lock the shared unit and site rows in one order.
    plan.groups = sorted(group_rows(states, *levels))
    return plan


def _split_new_rollups(
    states: dict[int, _MeterState], levels: tuple[list[tuple], ...]
) -> tuple[tuple[list[tuple], ...], tuple[list[tuple], ...]]:
    """Meter rollup rows (hourly, daily, monthly) split into new rows and increments.

    A reading adds to the buckets up to its own, never later: so no row of a meter
    is stored yet for a bucket after the one of its last reading before this batch
    (the lock on the meter keeps other batches out). Those rows are inserted, the
    others added to whatever is there.
    """
    last_buckets = {}
    for meter_id, meter in states.items():
        if meter.last_ts is not None:
            day = meter.last_ts.astimezone(LOCAL_TZ).date()
            last_buckets[meter_id] = (floor_hour(meter.last_ts), day, day.replace(day=1))
    new: tuple[list[tuple], ...] = ([], [], [])
    increments: tuple[list[tuple], ...] = ([], [], [])
    for level, rows in enumerate(levels):
        fresh, added = new[level], increments[level]
        for row in rows:
            last = last_buckets.get(row[0])
            if last is None or row[1] > last[level]:
                fresh.append(row)
            else:
                added.append(row)
    return new, increments


def store_series(
    by_meter: dict[int, list[tuple[dt.datetime, float, int]]],
    *,
    gateway: Gateway | None = None,
    details: dict[int, Detail] | None = None,
) -> tuple[int, int]:
    """:func:`store` for readings grouped by meter id: (timestamp, value, index) each.

    Within a meter the first of readings with the same timestamp counts, the others
    are duplicates. On SQLite, where writers queue for the whole database, readings
    that only extend their meters' series are worked out before the write
    transaction, from the meters' states read without a lock; under the lock they
    are used if those states have not changed meanwhile (else, and for late data,
    the work is done under the lock). PostgreSQL locks only the batch's meters, so
    there the work is done once, under the lock. ``details``: telegrams' status and
    set-date readings by index, stored with their readings.
    """
    if not by_meter:
        return 0, 0
    for series in by_meter.values():
        series.sort(key=_by_time)
    plan = None
    if connection.vendor == "sqlite":
        states = _meter_states(by_meter)
        if not _has_late_data(states, by_meter):
            plan = _plan(states, by_meter, details)
    with transaction.atomic():
        states = _meter_states(by_meter, lock=True)
        if plan is None or plan.states != states:
            plan = _plan(states, by_meter, details)
        _insert_readings(plan.inserts, plan.details)
        if plan.updates:
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE energy_reading SET delta = %s WHERE id = %s", plan.updates
                )
        _move_meters(plan.moves)
        _insert_meter_rollups(plan.new_rollups)
        _upsert_meter_rollups(plan.rollup_increments)
        if gateway is not None:
            Gateway.objects.filter(pk=gateway.pk).update(last_seen_at=timezone.now())
        # Last: unit and site rows are shared with concurrent batches of other meters.
        _upsert_group_rollups(plan.groups)
    return len(plan.inserts), plan.duplicates


# --- The entry point ----------------------------------------------------------------------


@contextmanager
def _collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a batch is worked out and stored
    (``ingest`` runs under it).

    A batch of 50,000 readings makes some 200,000 short-lived objects without
    cycles, which reference counting frees; meanwhile the collector would run
    hundreds of times, its older generations walking the batch's items again and
    again (measured: 15 to 30 % of the ingestion's own CPU time). Only the pause
    that found the collector on turns it back on, so overlapping batches in other
    threads never leave it off.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


_NUMBERS = (float, int)
# Plain numbers below this need no further check (NaN fails every comparison).
_PLAIN_NUMBER_LIMIT = 1e300


@_collection_paused()
def ingest(
    items: Iterable[Any],
    *,
    site_ids: Iterable[int] | None,
    source: str = "api",
    gateway: Gateway | None = None,
    record_rejections: bool = True,
    submitted_by=None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Validate and store a batch of readings for meters of ``site_ids`` (None: any site).

    Rejected items are kept in the rejected-input log (unless ``record_rejections``
    is off, as when replaying it) with their reason.
    """
    items = items if isinstance(items, list) else list(items)
    limit = (now or timezone.now()) + future_tolerance()
    result = IngestResult()
    # Readings by external id, as (UTC timestamp, value, index).
    by_external: dict[str, list[tuple[dt.datetime, float, int]]] = defaultdict(list)
    # Timestamp strings of plain readings already seen, and not in the future.
    moments: dict[str, dt.datetime] = {}
    parsed_timestamps: dict[str, dt.datetime] = {}
    # Telegrams' status and set-date readings, by index.
    details: dict[int, Detail] = {}
    for index, item in enumerate(items):
        # The common case first, inline: a plain reading with a timestamp seen before,
        # a string id and a non-negative number.
        try:
            moment = moments[item["ts"]]
            external_id = item["meter"]
            value = item["value"]
        except (KeyError, TypeError, IndexError):
            pass
        else:
            if (
                type(value) in _NUMBERS
                and 0 <= value < _PLAIN_NUMBER_LIMIT
                and type(external_id) is str
                and external_id
            ):
                by_external[external_id].append((moment, float(value), index))
                continue
        detail = None
        try:
            if type(item) is dict and is_telegram(item):
                external_id, moment, value, detail = read_telegram(item, parsed_timestamps)
            else:
                external_id, moment, value = normalise(item, parsed_timestamps)
        except _Reject as rejection:
            result.rejected.append(Rejection(index, rejection.code, rejection.message, item))
            continue
        if moment > limit:
            result.rejected.append(
                Rejection(
                    index, "future_timestamp", f"{moment.isoformat()} is in the future.", item
                )
            )
            continue
        if detail is not None:
            details[index] = detail
        elif not is_telegram(item) and type(item["ts"]) is str:
            moments[item["ts"]] = moment
        by_external[external_id].append((moment, value, index))
    by_meter = {}
    for external_id, meter_id in _meter_ids(by_external, site_ids).items():
        if meter_id is None:
            message = f"Meter {external_id!r} is on more than one site."
        elif meter_id == 0:
            message = f"No meter {external_id!r} is registered here."
        else:
            by_meter[meter_id] = by_external[external_id]
            continue
        result.rejected.extend(
            Rejection(index, "unknown_meter", message, items[index])
            for _ts, _value, index in by_external[external_id]
        )
    result.accepted, result.duplicates = store_series(by_meter, gateway=gateway, details=details)
    if details:
        alarms.track_statuses(by_meter, details)
    result.rejected.sort(key=lambda r: r.index)
    if record_rejections and result.rejected:
        site_id = gateway.site_id if gateway else None
        if site_id is None and site_ids is not None:
            site_list = list(site_ids)
            site_id = site_list[0] if len(site_list) == 1 else None
        RejectedReading.objects.bulk_create(
            RejectedReading(
                site_id=site_id,
                gateway=gateway,
                source=source,
                submitted_by=submitted_by,
                code=r.code,
                message=r.message[:300],
                payload=_jsonable(r.payload),
            )
            for r in result.rejected
        )
    return result


def _meter_ids(
    external_ids: Iterable[str], site_ids: Iterable[int] | None
) -> dict[str, int | None]:
    """The meter of each external id within ``site_ids``: 0 if none, None if ambiguous."""
    found: dict[str, int | None] = dict.fromkeys(external_ids, 0)
    meters = Meter.objects.filter(external_id__in=list(found))
    if site_ids is not None:
        meters = meters.filter(site_id__in=list(site_ids))
    for pk, external_id in meters.values_list("pk", "external_id"):
        # The same external id on two sites in scope: the caller must disambiguate.
        found[external_id] = None if found[external_id] else pk
    return found


def _jsonable(payload: Any) -> Any:
    """The payload as stored JSON.

    NUL characters (refused by PostgreSQL) are replaced; NaN and infinities, which
    JSON cannot hold, are kept as their names.
    """
    if isinstance(payload, str):
        return payload.replace("\x00", "\ufffd")
    if isinstance(payload, dict):
        return {_jsonable(str(k)): _jsonable(v) for k, v in payload.items()}
    if isinstance(payload, list):
        return [_jsonable(v) for v in payload]
    if isinstance(payload, float) and not math.isfinite(payload):
        return repr(payload)
    if payload is None or isinstance(payload, int | float | bool):
        return payload
    return repr(payload).replace("\x00", "\ufffd")


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- CSV and replay -------------------------------------------------------------------------

CSV_BATCH = 5000


def csv_items(lines: Iterable[str]) -> Iterator[dict]:
    """Rows of a readings CSV (header ``meter,ts,value``; ``;`` also accepted) as items."""
    import csv

    iterator = iter(lines)
    header_line = next(iterator, "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter))]
    for row in csv.reader(iterator, delimiter=delimiter):
        if not row or not any(cell.strip() for cell in row):
            continue
        yield dict(zip(header, (cell.strip() for cell in row), strict=False))


def ingest_csv(
    lines: Iterable[str],
    *,
    site_ids: Iterable[int] | None,
    gateway: Gateway | None = None,
    submitted_by=None,
    batch_size: int = CSV_BATCH,
) -> Iterator[dict]:
    """Ingest a CSV of readings in batches, yielding progress after each one.

    Streams: only one batch is in memory. The last progress is the total result;
    rejection indexes are the data row numbers (first row after the header is 0).
    """
    site_ids = None if site_ids is None else list(site_ids)
    total = IngestResult()
    processed = 0
    for batch in chunks(csv_items(lines), batch_size):
        result = ingest(
            batch, site_ids=site_ids, source="csv", gateway=gateway, submitted_by=submitted_by
        )
        total.add(result, offset=processed)
        processed += len(batch)
        yield {"processed": processed, **total.as_dict(), "done": False}
    yield {"processed": processed, **total.as_dict(), "done": True}


def replay(rejections: Iterable[RejectedReading], *, site_ids: Iterable[int]) -> dict:
    """Ingest rejected input again (after the registry was fixed), within ``site_ids``.

    Items now accepted or found duplicate are marked replayed; the others stay open
    with their new reason. Returns the counts.
    """
    pending = [r for r in rejections if r.status == RejectedReading.Status.OPEN]
    outcome = {"replayed": 0, "still_rejected": 0}
    by_site: dict[int | None, list[RejectedReading]] = defaultdict(list)
    for rejection in pending:
        by_site[rejection.site_id].append(rejection)
    now = timezone.now()
    for site_id, group in by_site.items():
        result = ingest(
            [r.payload for r in group],
            site_ids=list(site_ids) if site_id is None else [site_id],
            source="replay",
            record_rejections=False,
        )
        failed = {r.index: r for r in result.rejected}
        for index, rejection in enumerate(group):
            if index in failed:
                rejection.code = failed[index].code
                rejection.message = failed[index].message[:300]
                outcome["still_rejected"] += 1
            else:
                rejection.status = RejectedReading.Status.REPLAYED
                rejection.replayed_at = now
                outcome["replayed"] += 1
        RejectedReading.objects.bulk_update(group, ["code", "message", "status", "replayed_at"])
    return outcome

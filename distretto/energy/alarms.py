"""Device alarms: what meters say about themselves (seal broken, sabotage, tamper,
low battery, error codes), as anomalies ``device_alarm``.

A telegram's ``status`` is kept with its reading (``Reading.status``). A status other
than ``OK`` opens an anomaly for the meter carrying the device's own words, or
refreshes the one open; a later ``OK`` closes it at that reading's time. Ingestion
calls :func:`track_statuses` once per batch, and only for batches with telegrams
that report a status: no query is added for plain readings.

In an allocation run, a unit whose allocator was in alarm during the period is
estimated and flagged (:func:`units_in_alarm`) unless a manager marked the alarm
as checked (:func:`check`): the device was inspected and its readings stand.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from distretto.energy import drivers
from distretto.energy.models import Anomaly, Meter, Site
from distretto.energy.services import as_local_datetime

if TYPE_CHECKING:
    from distretto.energy.ingestion import Detail

DEVICE_ALARM = Anomaly.Rule.DEVICE_ALARM


def evidence_of(status: str, ts: dt.datetime, first_seen: dt.datetime | None = None) -> dict:
    """An alarm's evidence: the device's words, their kinds, when first and last seen."""
    return {
        "status": status,
        "kinds": drivers.alarm_kinds(status),
        "first_seen": (first_seen or ts).isoformat(),
        "last_seen": ts.isoformat(),
    }


def severity_of(status: str) -> str:
    kinds = set(drivers.alarm_kinds(status))
    return Anomaly.Severity.CRITICAL if kinds & drivers.CRITICAL_KINDS else Anomaly.Severity.WARNING


def track_statuses(
    by_meter: dict[int, list[tuple[dt.datetime, float, int]]], details: dict[int, Detail]
) -> None:
    """Open, refresh or close the meters' device alarms after a batch is stored.

    ``by_meter``: the batch's readings by meter as (timestamp, value, index);
    ``details``: telegram details by index. Each meter's statuses are followed in
    time order, so that an alarm and its end within one batch are both recorded.
    Statuses older than an open alarm's start (late data) change nothing.
    """
    statuses: dict[int, list[tuple[dt.datetime, str | None]]] = {}
    words: dict[str, str | None] = {}  # the device's words, None for OK
    for meter_id, series in by_meter.items():
        seen = []
        for ts, _value, index in series:
            detail = details.get(index)
            if detail is None or detail.status is None:
                continue
            status = words.get(detail.status, "")
            if status == "":
                status = words[detail.status] = drivers.status_of({"status": detail.status})
            seen.append((ts, status))
        if seen:
            statuses[meter_id] = sorted(seen, key=lambda pair: pair[0])
    if not statuses:
        return
    open_alarms = {
        a.meter_id: a
        for a in Anomaly.objects.filter(
            rule=DEVICE_ALARM, meter_id__in=list(statuses), ended_at__isnull=True
        )
    }
    meters = {
        pk: (site_id, unit_id)
        for pk, site_id, unit_id in Meter.objects.filter(pk__in=list(statuses)).values_list(
            "pk", "site_id", "unit_id"
        )
    }
    for meter_id, seen in statuses.items():
        alarm = open_alarms.get(meter_id)
        for ts, status in seen:
            if alarm is not None and ts < alarm.started_at:
                continue
            if status is None:
                if alarm is not None:
                    alarm.ended_at = ts
                    alarm.save(update_fields=["ended_at"])
                    alarm = None
                continue
            if alarm is None:
                site_id, unit_id = meters[meter_id]
                alarm = Anomaly.objects.create(
                    site_id=site_id,
                    unit_id=unit_id,
                    meter_id=meter_id,
                    rule=DEVICE_ALARM,
                    severity=severity_of(status),
                    started_at=ts,
                    evidence=evidence_of(status, ts),
                )
                continue
            alarm.evidence = evidence_of(status, ts, alarm.started_at)
            alarm.severity = severity_of(status)
            alarm.save(update_fields=["evidence", "severity"])


def units_in_alarm(site: Site, first: dt.date, last: dt.date) -> set[int]:
    """Units of ``site`` with an allocator in alarm at some time of [first, last]
    (local days, ``last`` included) whose alarm no manager has marked as checked."""
    start = as_local_datetime(first)
    after = as_local_datetime(last + dt.timedelta(days=1))
    return set(
        Anomaly.objects.filter(
            site=site,
            rule=DEVICE_ALARM,
            meter__kind=Meter.Kind.HCA,
            meter__unit__isnull=False,
            checked_at__isnull=True,
            started_at__lt=after,
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .values_list("meter__unit_id", flat=True)
    )


def check(anomaly: Anomaly, *, by) -> Anomaly:
    """A manager checked the device in alarm: its readings count again in allocations.

    Idempotent; checking also acknowledges the alarm.
    """
    now = timezone.now()
    fields = []
    if anomaly.checked_at is None:
        anomaly.checked_at, anomaly.checked_by = now, by
        fields += ["checked_at", "checked_by"]
    if anomaly.acknowledged_at is None:
        anomaly.acknowledged_at, anomaly.acknowledged_by = now, by
        fields += ["acknowledged_at", "acknowledged_by"]
    if fields:
        anomaly.save(update_fields=fields)
    return anomaly

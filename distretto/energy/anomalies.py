"""Anomaly rules over a site's readings and rollups, with notification and acknowledgement.

Each rule looks at the recent data of a site and says, for each subject (a meter,
a unit or a gateway), whether the anomaly is present now and with which evidence.
:func:`detect` opens an ``Anomaly`` for a new finding (and e-mails the site's
energy managers), refreshes the evidence of one still present, and closes
(``ended_at``) the open ones whose condition has cleared.

The rules:

* missing data: a meter or gateway silent for more than three expected intervals;
* stuck meter: in the heating season, on cold days, a heat meter or allocator that
  keeps reporting but whose counter does not move for two days;
* consumption spike: a unit's heat use per degree day yesterday above twice its own
  median of the previous fortnight;
* night base load in shops: electricity at night (00-05) above half the daytime
  (09-19) average over the last week;
* boiler efficiency drop: heat delivered over fuel energy burnt in the last three
  days 15% (30%: critical) below the previous fortnight;
* consumption in an empty unit: allocators counting in a unit declared empty.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from distretto.accounts.models import Membership, Role
from distretto.energy import explain, services
from distretto.energy.models import (
    Anomaly,
    DailyRollup,
    DailyWeather,
    Gateway,
    HourlyRollup,
    Meter,
    Site,
    Unit,
)

Rule = Anomaly.Rule
Severity = Anomaly.Severity
SPIKE_FACTOR = 2.0
NIGHT_SHARE = 0.5
EFFICIENCY_DROP = 0.15
EFFICIENCY_CRITICAL = 0.30


@dataclass
class Finding:
    rule: str
    severity: str
    started_at: dt.datetime
    evidence: dict
    meter: Meter | None = None
    unit: Unit | None = None
    gateway: Gateway | None = None

    @property
    def subject(self) -> tuple:
        return (
            self.rule,
            self.meter.pk if self.meter else None,
            self.unit.pk if self.unit else None,
            self.gateway.pk if self.gateway else None,
        )


def _today(now: dt.datetime) -> dt.date:
    return now.astimezone(services.LOCAL_TZ).date()


def missing_data(site: Site, now: dt.datetime) -> Iterator[Finding]:
    for meter in site.meters.filter(removed_at__isnull=True, replaced_by__isnull=True):
        allowed = dt.timedelta(minutes=3 * meter.expected_interval_minutes)
        if meter.last_ts is not None and now - meter.last_ts > allowed:
            yield Finding(
                Rule.MISSING_DATA,
                Severity.WARNING,
                meter.last_ts,
                {
                    "last_reading": meter.last_ts.isoformat(),
                    "expected_minutes": int(allowed.total_seconds() // 60),
                },
                meter=meter,
            )
    for gateway in site.gateways.filter(active=True):
        allowed = dt.timedelta(minutes=3 * gateway.expected_interval_minutes)
        if gateway.last_seen_at is not None and now - gateway.last_seen_at > allowed:
            yield Finding(
                Rule.MISSING_DATA,
                Severity.CRITICAL,
                gateway.last_seen_at,
                {"last_seen": gateway.last_seen_at.isoformat()},
                gateway=gateway,
            )


def stuck_meter(site: Site, now: dt.datetime) -> Iterator[Finding]:
    today = _today(now)
    days = [today - dt.timedelta(days=n) for n in (2, 1)]
    if not all(services.in_season(site, d) for d in days):
        return
    cold = DailyWeather.objects.filter(site=site, day__in=days, degree_days__gt=5).count()
    if cold < len(days):
        return
    rows = (
        DailyRollup.objects.filter(
            meter__site=site,
            meter__kind__in=services.HEAT_KINDS,
            meter__replaced_by__isnull=True,
            bucket__in=days,
        )
        .values("meter_id")
        .annotate(total=Sum("consumption"), samples=Sum("samples"))
    )
    stuck = {r["meter_id"]: r for r in rows if r["samples"] >= 2 and (r["total"] or 0) == 0}
    for meter in Meter.objects.filter(pk__in=stuck):
        if meter.unit is not None and meter.unit.declared_empty:
            continue  # an empty unit's radiators are expected to stay still
        yield Finding(
            Rule.STUCK_METER,
            Severity.WARNING,
            services.as_local_datetime(days[0]),
            {
                "days": [d.isoformat() for d in days],
                "readings": stuck[meter.pk]["samples"],
                "value": meter.last_value,
            },
            meter=meter,
        )


def _daily_heat_by_unit(site: Site, first: dt.date, after: dt.date) -> dict:
    rows = (
        DailyRollup.objects.filter(
            meter__site=site,
            meter__unit__isnull=False,
            meter__kind__in=services.HEAT_KINDS,
            bucket__gte=first,
            bucket__lt=after,
        )
        .values("meter__unit_id", "bucket")
        .annotate(total=services.weighted_consumption())
    )
    found: dict[int, dict[dt.date, float]] = defaultdict(dict)
    for row in rows:
        found[row["meter__unit_id"]][row["bucket"]] = row["total"] or 0.0
    return found


def consumption_spike(site: Site, now: dt.datetime) -> Iterator[Finding]:
    yesterday = _today(now) - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=14)
    degree_days = dict(
        DailyWeather.objects.filter(site=site, day__gte=first, day__lte=yesterday).values_list(
            "day", "degree_days"
        )
    )
    if not degree_days.get(yesterday):
        return
    heat = _daily_heat_by_unit(site, first, yesterday + dt.timedelta(days=1))
    units = {u.pk: u for u in Unit.objects.filter(pk__in=heat)}
    for unit_id, days in heat.items():
        baseline = [days[d] / degree_days[d] for d in days if d < yesterday and degree_days.get(d)]
        if len(baseline) < 7 or yesterday not in days:
            continue
        median = statistics.median(baseline)
        current = days[yesterday] / degree_days[yesterday]
        if median > 0 and current > SPIKE_FACTOR * median:
            yield Finding(
                Rule.CONSUMPTION_SPIKE,
                Severity.WARNING,
                services.as_local_datetime(yesterday),
                {
                    "day": yesterday.isoformat(),
                    "per_degree_day": round(current, 3),
                    "baseline_per_degree_day": round(median, 3),
                    "ratio": round(current / median, 2),
                },
                unit=units[unit_id],
            )


def night_base_load(site: Site, now: dt.datetime) -> Iterator[Finding]:
    end = services.as_local_datetime(_today(now))
    start = end - dt.timedelta(days=7)
    rows = HourlyRollup.objects.filter(
        meter__site=site,
        meter__unit__kind=Unit.Kind.SHOP,
        meter__kind=Meter.Kind.ELECTRICITY,
        bucket__gte=start,
        bucket__lt=end,
    ).values_list("meter__unit_id", "bucket", "consumption")
    night: dict[int, list[float]] = defaultdict(list)
    day: dict[int, list[float]] = defaultdict(list)
    for unit_id, bucket, consumption in rows:
        hour = bucket.astimezone(services.LOCAL_TZ).hour
        if hour < 5:
            night[unit_id].append(consumption)
        elif 9 <= hour < 19:
            day[unit_id].append(consumption)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=night)}
    for unit_id, values in night.items():
        if len(values) < 10 or not day.get(unit_id):
            continue
        night_mean = sum(values) / len(values)
        day_mean = sum(day[unit_id]) / len(day[unit_id])
        if day_mean > 0 and night_mean > NIGHT_SHARE * day_mean and night_mean > 0.1:
            yield Finding(
                Rule.NIGHT_BASE_LOAD,
                Severity.INFO,
                start,
                {
                    "night_average_kw": round(night_mean, 3),
                    "day_average_kw": round(day_mean, 3),
                    "share": round(night_mean / day_mean, 2),
                },
                unit=units[unit_id],
            )


def _efficiency(generator: Meter, fuel: list[Meter], first: dt.date, after: dt.date):
    heat = services.meter_consumption([generator], first, after)
    burnt = services.fuel_kwh_of(fuel, first, after)
    return float(heat[generator.pk]) / burnt if burnt > 0 and generator.pk in heat else None


def efficiency_drop(site: Site, now: dt.datetime) -> Iterator[Finding]:
    """Each generator's heat out over the fuel in of the meters feeding it (else all fuel)."""
    today = _today(now)
    recent_start = today - dt.timedelta(days=3)
    all_fuel = list(site.meters.filter(kind=Meter.Kind.FUEL))
    generators = site.meters.filter(kind=Meter.Kind.HEAT, role=Meter.Role.GENERATOR)
    for generator in generators:
        fuel = [m for m in all_fuel if m.feeds_id == generator.pk] or [
            m for m in all_fuel if m.feeds_id is None
        ]
        recent = _efficiency(generator, fuel, recent_start, today)
        baseline = _efficiency(generator, fuel, recent_start - dt.timedelta(days=14), recent_start)
        if recent is None or baseline is None or baseline <= 0:
            continue
        drop = 1 - recent / baseline
        if drop > EFFICIENCY_DROP:
            yield Finding(
                Rule.EFFICIENCY_DROP,
                Severity.CRITICAL if drop > EFFICIENCY_CRITICAL else Severity.WARNING,
                services.as_local_datetime(recent_start),
                {
                    "efficiency": round(recent, 3),
                    "baseline_efficiency": round(baseline, 3),
                    "drop": round(drop, 3),
                },
                meter=generator,
            )


def empty_unit_consumption(site: Site, now: dt.datetime) -> Iterator[Finding]:
    today = _today(now)
    for unit in site.units.filter(declared_empty=True):
        since = max(unit.empty_since or today - dt.timedelta(days=7), today - dt.timedelta(days=30))
        allocators = unit.meters.filter(kind=Meter.Kind.HCA)
        used = services.meter_consumption(allocators, since, today + dt.timedelta(days=1))
        counting = {pk: float(v) for pk, v in used.items() if v > 0}
        if counting:
            yield Finding(
                Rule.EMPTY_UNIT_CONSUMPTION,
                Severity.WARNING,
                services.as_local_datetime(since),
                {
                    "since": since.isoformat(),
                    "allocators": {
                        m.external_id: counting[m.pk] for m in allocators if m.pk in counting
                    },
                },
                unit=unit,
            )


RULES = (
    missing_data,
    stuck_meter,
    consumption_spike,
    night_base_load,
    efficiency_drop,
    empty_unit_consumption,
)


def detect(site: Site, now: dt.datetime | None = None, *, notify: bool = True) -> list[Anomaly]:
    """Run every rule on ``site``; open, refresh or close anomalies. Returns those opened."""
    now = now or timezone.now()
    findings = {f.subject: f for rule in RULES for f in rule(site, now)}
    open_ones = {
        (a.rule, a.meter_id, a.unit_id, a.gateway_id): a
        for a in site.anomalies.filter(ended_at__isnull=True)
    }
    opened = []
    for subject, finding in findings.items():
        existing = open_ones.pop(subject, None)
        if existing is not None:
            existing.evidence = finding.evidence
            existing.severity = finding.severity
            existing.save(update_fields=["evidence", "severity"])
            continue
        opened.append(
            Anomaly.objects.create(
                site=site,
                rule=finding.rule,
                severity=finding.severity,
                started_at=finding.started_at,
                evidence=finding.evidence,
                meter=finding.meter,
                unit=finding.unit,
                gateway=finding.gateway,
            )
        )
    for cleared in open_ones.values():
        cleared.ended_at = now
        cleared.save(update_fields=["ended_at"])
    if notify and opened:
        notify_managers(site, opened)
    return opened


def notify_managers(site: Site, anomalies: list[Anomaly]) -> int:
    """E-mail the site's energy managers about new anomalies; marks them notified."""
    recipients = sorted(
        {
            m.user.email
            for m in Membership.objects.filter(
                role=Role.ENERGY_MANAGER, district=site.district_id
            ).select_related("user")
            if m.user.email and m.user.is_active
        }
    )
    if not recipients:
        return 0
    lines = [
        f"- {explain.rule_name(a)} ({a.get_severity_display()}): {explain.explain_text(a)}"
        for a in anomalies
    ]
    send_mail(
        _("%(site)s: %(count)d new energy anomalies")
        % {"site": site.name, "count": len(anomalies)},
        "\n".join(lines),
        getattr(settings, "DEFAULT_FROM_EMAIL", None),
        recipients,
    )
    Anomaly.objects.filter(pk__in=[a.pk for a in anomalies]).update(notified_at=timezone.now())
    return len(recipients)


def acknowledge(anomaly: Anomaly, *, by) -> Anomaly:
    """A manager has seen the anomaly (idempotent: the first acknowledgement stays)."""
    if anomaly.acknowledged_at is None:
        anomaly.acknowledged_at = timezone.now()
        anomaly.acknowledged_by = by
        anomaly.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return anomaly

"""Each anomaly rule with data that triggers it and data that does not; notification; ack."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from distretto.energy import anomalies, services
from distretto.energy.ingestion import store
from distretto.energy.models import Anomaly, Meter
from distretto.energy.tests.conftest import make_meter

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 1, 20, 12, tzinfo=UTC)  # mid heating season in zone E
TODAY = dt.date(2026, 1, 20)


def cold_weather(site, days: int = 20, temperature: float = 5.0) -> None:
    services.record_weather(
        site, [(TODAY - dt.timedelta(days=n), temperature) for n in range(1, days + 1)]
    )


def daily_counter(meter, per_day: list[float], *, start_value: float = 1000.0, per_day_samples=4):
    """Cumulative readings ending yesterday: ``per_day[i]`` consumed on each local day."""
    first_day = TODAY - dt.timedelta(days=len(per_day))
    value = start_value
    rows = [(meter.pk, services.as_local_datetime(first_day), value)]
    for index, amount in enumerate(per_day):
        day = services.as_local_datetime(first_day + dt.timedelta(days=index))
        for step in range(1, per_day_samples + 1):
            value += amount / per_day_samples
            rows.append((meter.pk, day + dt.timedelta(hours=24 * step / per_day_samples), value))
    store(rows)


def rules_found(rule, site) -> list:
    return list(rule(site, NOW))


# --- missing data ------------------------------------------------------------------------------


def test_meter_silent_beyond_three_intervals_is_missing_data(site, heat_meter):
    store([(heat_meter.pk, NOW - dt.timedelta(hours=4), 10.0)])
    [finding] = rules_found(anomalies.missing_data, site)
    assert finding.meter == heat_meter and finding.rule == "missing_data"


def test_meter_heard_recently_is_not_missing(site, heat_meter):
    store([(heat_meter.pk, NOW - dt.timedelta(hours=1), 10.0)])
    assert rules_found(anomalies.missing_data, site) == []


def test_silent_gateway_is_critical(site, gateway):
    gateway.last_seen_at = NOW - dt.timedelta(hours=5)
    gateway.save()
    [finding] = rules_found(anomalies.missing_data, site)
    assert finding.gateway == gateway and finding.severity == "critical"
    gateway.last_seen_at = NOW - dt.timedelta(minutes=30)
    gateway.save()
    assert rules_found(anomalies.missing_data, site) == []


# --- stuck meter ---------------------------------------------------------------------------------


def test_allocator_that_does_not_move_on_cold_days_is_stuck(site, hca):
    cold_weather(site)
    daily_counter(hca, [5, 5, 0, 0])
    [finding] = rules_found(anomalies.stuck_meter, site)
    assert finding.meter == hca


def test_allocator_that_counts_is_not_stuck(site, hca):
    cold_weather(site)
    daily_counter(hca, [5, 5, 4, 6])
    assert rules_found(anomalies.stuck_meter, site) == []


def test_still_meter_on_mild_days_is_not_stuck(site, hca):
    cold_weather(site, temperature=17.0)
    daily_counter(hca, [5, 5, 0, 0])
    assert rules_found(anomalies.stuck_meter, site) == []


# --- consumption spike ---------------------------------------------------------------------------


def test_unit_using_far_more_than_its_own_baseline_per_degree_day_spikes(site, heat_meter):
    cold_weather(site)
    daily_counter(heat_meter, [30.0] * 14 + [95.0])
    [finding] = rules_found(anomalies.consumption_spike, site)
    assert finding.unit == heat_meter.unit
    # 95 / 15 GG against a median of 30 / 15 GG: 3.17 times.
    assert finding.evidence["ratio"] == pytest.approx(3.17, abs=0.01)


def test_ordinary_day_is_no_spike(site, heat_meter):
    cold_weather(site)
    daily_counter(heat_meter, [30.0] * 14 + [40.0])
    assert rules_found(anomalies.consumption_spike, site) == []


# --- night base load -----------------------------------------------------------------------------


def shop_load(site, shop, night_kw: float, day_kw: float) -> Meter:
    meter = make_meter(site, shop, kind="electricity", reading_type="interval")
    rows = []
    for hour in range(7 * 24):
        ts = NOW.replace(hour=0) - dt.timedelta(hours=hour + 1)
        local_hour = ts.astimezone(services.LOCAL_TZ).hour
        rows.append((meter.pk, ts, night_kw if local_hour < 5 else day_kw))
    store(rows)
    return meter


def test_shop_drawing_at_night_almost_as_by_day_has_a_night_base_load(site, shop):
    shop_load(site, shop, night_kw=1.6, day_kw=2.0)
    [finding] = rules_found(anomalies.night_base_load, site)
    assert finding.unit == shop and finding.evidence["share"] == 0.8


def test_shop_that_switches_off_at_night_is_fine(site, shop):
    shop_load(site, shop, night_kw=0.15, day_kw=2.0)
    assert rules_found(anomalies.night_base_load, site) == []


# --- boiler efficiency ---------------------------------------------------------------------------


def boiler(site, last_three_days_efficiency: float):
    heat = make_meter(site, kind="heat", role="generator", external_id="CALDAIA-Q")
    fuel = make_meter(
        site, kind="fuel", external_id="GAS", unit_of_measure="Sm3", calorific_value=10
    )
    # 100 Sm³ a day = 1000 kWh of fuel; 900 kWh of heat, then less.
    daily_counter(fuel, [100.0] * 17)
    daily_counter(heat, [900.0] * 14 + [1000.0 * last_three_days_efficiency] * 3)
    return heat


def test_boiler_delivering_much_less_heat_per_fuel_is_an_efficiency_drop(site):
    boiler(site, last_three_days_efficiency=0.6)
    [finding] = rules_found(anomalies.efficiency_drop, site)
    # 0.6 against 0.9: a third less, beyond the 30% of a critical drop.
    assert finding.severity == "critical"
    assert finding.evidence["drop"] == pytest.approx(0.333, abs=0.001)


def test_steady_boiler_is_fine(site):
    boiler(site, last_three_days_efficiency=0.88)
    assert rules_found(anomalies.efficiency_drop, site) == []


# --- empty unit ----------------------------------------------------------------------------------


def test_allocator_counting_in_an_empty_unit(site, flat, hca):
    flat.declared_empty = True
    flat.empty_since = TODAY - dt.timedelta(days=10)
    flat.save()
    daily_counter(hca, [0, 0, 3, 4])
    [finding] = rules_found(anomalies.empty_unit_consumption, site)
    assert finding.unit == flat and finding.evidence["allocators"] == {"12345678": 7.0}


def test_empty_unit_with_still_allocators_is_fine(site, flat, hca):
    flat.declared_empty = True
    flat.save()
    daily_counter(hca, [0, 0, 0, 0])
    assert rules_found(anomalies.empty_unit_consumption, site) == []


# --- lifecycle -----------------------------------------------------------------------------------


def test_new_anomaly_is_opened_once_mailed_to_the_energy_manager_and_closed_when_cleared(
    site, heat_meter, actors
):
    store([(heat_meter.pk, NOW - dt.timedelta(hours=4), 10.0)])
    [opened] = anomalies.detect(site, NOW)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [actors.energy_manager.email]
    assert "Interno 1" not in mail.outbox[0].subject and site.name in mail.outbox[0].subject
    assert anomalies.detect(site, NOW + dt.timedelta(minutes=5)) == []
    assert len(mail.outbox) == 1
    store([(heat_meter.pk, NOW + dt.timedelta(minutes=10), 11.0)])
    anomalies.detect(site, NOW + dt.timedelta(minutes=20))
    opened.refresh_from_db()
    assert opened.ended_at == NOW + dt.timedelta(minutes=20)


def test_manager_acknowledges_an_anomaly(site, actors, api_as):
    anomaly = Anomaly.objects.create(
        site=site, rule="missing_data", severity="warning", started_at=NOW
    )
    assert (
        api_as(actors.outsider).post(f"energy/anomalies/{anomaly.pk}/acknowledge").status_code
        == 404
    )
    response = api_as(actors.energy_manager).post(f"energy/anomalies/{anomaly.pk}/acknowledge")
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == actors.energy_manager.pk
    listed = api_as(actors.energy_manager).get("energy/anomalies", {"open": "true"}).json()
    assert listed["count"] == 1 and listed["items"][0]["acknowledged_at"]


def test_anomaly_command_runs_every_site(site, heat_meter, actors):
    from io import StringIO

    from django.core.management import call_command

    store([(heat_meter.pk, dt.datetime(2020, 1, 1, tzinfo=UTC), 10.0)])
    out = StringIO()
    call_command("energy-anomalies", stdout=out)
    assert "1 new, 1 open" in out.getvalue()
    assert len(mail.outbox) == 1

"""Pages: the site dashboard for its managers, the unit page for its resident, CSV export."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from distretto.energy import services, views
from distretto.energy.ingestion import store
from distretto.energy.models import Anomaly
from distretto.testing import browser_login

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def with_readings(site, hca, heat_meter):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    start = dt.datetime.combine(yesterday, dt.time(8), tzinfo=dt.UTC)
    store([(hca.pk, start + dt.timedelta(hours=h), 10.0 + 2 * h) for h in range(6)])
    store([(heat_meter.pk, start + dt.timedelta(hours=h), 500.0 + 7 * h) for h in range(6)])
    services.record_weather(site, [(yesterday, 6.5)])
    return yesterday


def test_dashboard_for_the_energy_manager(actors, site, with_readings):
    Anomaly.objects.create(
        site=site, rule="stuck_meter", severity="warning", started_at=timezone.now()
    )
    response = client_for(actors.energy_manager).get(f"/energy/sites/{site.pk}/")
    assert response.status_code == 200
    assert b"site-charts" in response.content
    assert response.context["anomalies"].count() == 1


def test_dashboard_is_404_for_others(actors, site):
    for user in (actors.outsider, actors.cardholder, actors.merchant):
        assert client_for(user).get(f"/energy/sites/{site.pk}/").status_code == 404


def test_consumption_chart_exports_as_csv(actors, site, with_readings):
    day = with_readings.isoformat()
    response = client_for(actors.energy_manager).get(
        f"/energy/sites/{site.pk}/export/consumption.csv?from={day}&to={day}&granularity=hour"
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "series,kind,unit,period,value"
    heat = [line.rsplit(",", 1)[1] for line in lines if ",heat," in line]
    # 7 kWh in each hour between the six readings.
    assert heat == ["7.0"] * 5


@pytest.mark.parametrize("chart", ["ranking", "degree-days", "load-profile", "cogeneration"])
def test_every_chart_exports(actors, site, with_readings, chart):
    response = client_for(actors.energy_manager).get(f"/energy/sites/{site.pk}/export/{chart}.csv")
    assert response.status_code == 200 and response.content.count(b"\n") >= 2


def test_resident_sees_their_unit_and_no_other(actors, site, flat, shop, with_readings):
    resident = client_for(actors.cardholder)
    assert resident.get("/energy/").url == f"/energy/units/{flat.pk}/"
    page = resident.get(f"/energy/units/{flat.pk}/")
    assert page.status_code == 200 and page.context["comparison"]["similar_units"] == 0
    assert resident.get(f"/energy/units/{shop.pk}/").status_code == 404
    csv_lines = resident.get(f"/energy/units/{flat.pk}/?format=csv").content.decode().splitlines()
    assert csv_lines[0] == "meter,kind,unit,period,value" and len(csv_lines) > 1


def test_meter_page_lists_raw_readings(actors, hca, with_readings):
    client = client_for(actors.energy_manager)
    page = client.get(f"/energy/meters/{hca.pk}/?from={with_readings}&to={with_readings}")
    assert page.context["total"] == 6
    exported = client.get(f"/energy/meters/{hca.pk}/?format=csv&from={with_readings}")
    assert exported.content.decode().splitlines()[1].endswith(",10.0,")
    assert client_for(actors.outsider).get(f"/energy/meters/{hca.pk}/").status_code == 404


def test_meter_page_shows_the_latest_readings_of_a_long_period(
    actors, hca, with_readings, monkeypatch
):
    monkeypatch.setattr(views, "METER_CHART_READINGS", 4)
    monkeypatch.setattr(views, "METER_TABLE_READINGS", 2)
    client = client_for(actors.energy_manager)
    page = client.get(f"/energy/meters/{hca.pk}/?from={with_readings}&to={with_readings}")
    # Six readings 10, 12, ... 20: the chart draws the last four, the table the last two.
    assert page.context["total"] == 6
    assert page.context["chart"]["values"] == [14.0, 16.0, 18.0, 20.0]
    assert [r.value for r in page.context["readings"]] == [20.0, 18.0]


def test_acknowledge_from_the_dashboard(actors, site):
    anomaly = Anomaly.objects.create(
        site=site, rule="missing_data", severity="warning", started_at=timezone.now()
    )
    response = client_for(actors.energy_manager).post(
        f"/energy/anomalies/{anomaly.pk}/acknowledge/", HTTP_HX_REQUEST="true"
    )
    # The row comes back without its button.
    assert response.status_code == 200 and b"<button" not in response.content
    anomaly.refresh_from_db()
    assert anomaly.acknowledged_by == actors.energy_manager


def test_replay_from_the_rejections_page(actors, site, gateway_api, heat_meter):
    gateway_api.post("energy/readings", [{"meter": "LATER", "ts": "2026-01-05T10:00Z", "value": 1}])
    client = client_for(actors.energy_manager)
    assert client.get(f"/energy/sites/{site.pk}/rejections/").context["count"] == 1
    heat_meter.external_id = "LATER"
    heat_meter.save()
    client.post(f"/energy/sites/{site.pk}/rejections/", {"action": "replay"})
    assert client.get(f"/energy/sites/{site.pk}/rejections/").context["count"] == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_charts_and_csv_upload_with_progress(page, actors, site, hca, tmp_path):
    from distretto.testing import PASSWORD

    browser_login(page, actors.energy_manager.username, PASSWORD)
    page.goto(f"{page.base_url}/energy/sites/{site.pk}/")
    assert page.locator("#degree-day-chart").is_visible()
    upload = tmp_path / "letture.csv"
    upload.write_text(
        "meter,ts,value\n"
        + "".join(f"12345678,2026-01-05T{h:02d}:00:00Z,{h}\n" for h in range(12))
        + "UNKNOWN,2026-01-05T10:00:00Z,1\n"
    )
    page.goto(f"{page.base_url}/energy/sites/{site.pk}/rejections/")
    page.set_input_files("#upload-form input[type=file]", str(upload))
    page.click("#upload-form button[type=submit]")
    page.wait_for_function("document.getElementById('upload-status').textContent.includes('12')")
    status = page.locator("#upload-status").inner_text()
    assert "13" in status and "12" in status


def test_registry_import_from_the_page(actors, site):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "anagrafica.csv",
        b"type,name,kind,area_m2,millesimi_heat,external_id,kq,kc\n"
        b"unit,Interno 7,dwelling,70,100,,,\nmeter,Interno 7,hca,,,R7-1,1.1,0.95\n",
    )
    client = client_for(actors.energy_manager)
    client.post(f"/energy/sites/{site.pk}/rejections/", {"action": "registry", "file": upload})
    assert site.meters.get(external_id="R7-1").unit.name == "Interno 7"

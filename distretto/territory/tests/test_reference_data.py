"""The registry on today's reference data, tested on real rows of each bundled source.

ISTAT list of January 2025 (Castelgerundo, new since 2018; Camairago, merged into it;
Sappada, moved from Belluno to Udine with a new code; Popoli, renamed Popoli Terme),
the 2011 legal population, DPR 412/93 Allegato A (Zogno, Branzi; Mappano instituted
in 2017 has no official value; Trento has two), ATECO 2025 (47.11.02) against an ATECO
2007 code (47.11.10).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from distretto.territory.models import Business, Comune
from distretto.testing import ApiClient, BusinessFactory, error_of, valid_partita_iva

pytestmark = pytest.mark.django_db

PROVINCES = "LO,BL,UD,PE"


def _old_database() -> Business:
    """Rows as the 2016 list had them, and a business in a comune merged since."""
    for code, name, province, population in [
        ("098007", "Camairago", "LO", 672),
        ("025052", "Sappada", "BL", 1306),
        ("068033", "Popoli", "PE", 5456),
    ]:
        Comune.objects.create(
            istat_code=code,
            name=name,
            province=province,
            province_name=name,
            region="-",
            population=population,
            population_year=2011,
        )
    return BusinessFactory(comune_id="098007")


def _load(*args: str) -> str:
    out = io.StringIO()
    call_command("load-comuni", "--provinces", PROVINCES, *args, stdout=out)
    return out.getvalue()


def test_load_comuni_updates_an_older_database_and_reports_what_changed():
    business = _old_database()
    report = _load()

    castelgerundo = Comune.objects.get(pk="098062")
    assert (castelgerundo.name, castelgerundo.in_force) == ("Castelgerundo", True)
    assert (castelgerundo.population, castelgerundo.population_year) == (1520, 2011)
    assert "added    098062 Castelgerundo (LO)" in report

    camairago = Comune.objects.get(pk="098007")
    assert (camairago.in_force, camairago.ceased_on.isoformat()) == (False, "2017-12-31")
    assert camairago.successor is None  # the sources do not name the comune it merged into
    assert "ceased   098007 Camairago (LO) on 2017-12-31; successor not in the source" in report
    business.refresh_from_db()
    assert business.comune_id == "098007"  # records pointing at it keep working

    sappada = Comune.objects.get(pk="025052")
    assert (sappada.in_force, sappada.successor_id) == (False, "030189")
    assert Comune.objects.get(pk="030189").province == "UD"

    popoli = Comune.objects.get(pk="068033")
    assert (popoli.name, popoli.in_force) == ("Popoli Terme", True)
    assert "renamed  068033 Popoli -> Popoli Terme" in report

    again = _load()
    assert " 0 added, 0 renamed, 0 updated," in again and "0 ceased" in again


def test_dry_run_changes_nothing():
    _old_database()
    report = _load("--dry-run")
    assert "ceased   098007 Camairago" in report and "nothing was changed" in report
    assert Comune.objects.get(pk="098007").in_force
    assert not Comune.objects.filter(pk="098062").exists()


def test_api_and_forms_offer_only_comuni_in_force(actors):
    _old_database()
    _load()
    client = ApiClient(actors.manager)
    names = [c["name"] for c in client.get("territory/comuni", {"province": "LO"}).json()["items"]]
    assert "Castelgerundo" in names and "Camairago" not in names
    ceased = client.get("territory/comuni", {"ceased": "true", "q": "Camairago"}).json()
    assert [c["istat_code"] for c in ceased["items"]] == ["098007"]
    detail = client.get("territory/comuni/098007").json()
    assert (detail["in_force"], detail["ceased_on"]) == (False, "2017-12-31")

    response = client.post(
        "territory/businesses",
        {
            "district": actors.district.pk,
            "name": "Bottega",
            "partita_iva": valid_partita_iva(31),
            "category": "grocery",
            "comune": "025052",
        },
    )
    error = error_of(response)
    assert (response.status_code, error["code"], error["field"]) == (422, "comune_ceased", "comune")
    assert "Sappada (UD)" in error["message"] and "030189" in error["message"]


def test_every_comune_has_official_degree_days_or_a_reason():
    call_command("load-comuni", stdout=io.StringIO())
    assert Comune.objects.in_force().count() == 7896
    zogno, branzi = Comune.objects.get(name="Zogno"), Comune.objects.get(name="Branzi")
    assert (zogno.climate_zone, zogno.degree_days) == ("E", 2544)
    assert (branzi.climate_zone, branzi.degree_days) == ("F", 3311)
    mappano = Comune.objects.get(name="Mappano")
    assert (mappano.degree_days, mappano.climate_note) == (None, "new:2017-04-18")
    without = Comune.objects.filter(degree_days__isnull=True)
    # 134 comuni instituted after the decree, and Trento and Ferentino with two values each.
    assert without.count() == 136
    assert not without.filter(climate_note="").exists()
    assert without.filter(climate_note__startswith="rows:").count() == 2


def test_an_energy_site_takes_the_comune_figures_or_asks_for_them_with_the_reason(actors):
    call_command("load-comuni", "--provinces", "BG,TO,TN", stdout=io.StringIO())
    client = ApiClient(actors.manager)
    site = client.post(
        "energy/sites", {"district": actors.district.pk, "name": "Zogno", "comune": "016246"}
    ).json()
    assert (site["climate_zone"], site["degree_days"]) == ("E", 2544)

    response = client.post(
        "energy/sites", {"district": actors.district.pk, "name": "M", "comune": "001316"}
    )
    error = error_of(response)
    assert (response.status_code, error["field"]) == (422, "degree_days")
    assert "Mappano" in error["message"] and "18 aprile 2017" in error["message"]
    assert "APE" in error["message"]  # where to find the figure

    response = client.post(
        "energy/sites", {"district": actors.district.pk, "name": "T", "comune": "022205"}
    )
    message = error_of(response)["message"]
    assert "2.567" in message and "3.001" in message  # localised, Italian by default

    given = client.post(
        "energy/sites",
        {"district": actors.district.pk, "name": "M", "comune": "001316", "degree_days": 2600},
    )
    assert given.status_code == 201
    assert (given.json()["degree_days"], given.json()["climate_zone"]) == (2600, "E")


def test_ateco_2025_codes_with_descriptions_and_obsolete_ones_refused(actors):
    client = ApiClient(actors.manager)
    base = {
        "district": actors.district.pk,
        "partita_iva": valid_partita_iva(77),
        "category": "grocery",
    }
    response = client.post("territory/businesses", {**base, "name": "A", "ateco_code": "47.11.10"})
    error = error_of(response)
    assert (response.status_code, error["field"]) == (422, "ateco_code")
    assert error["message"].startswith("47.11.10") and "ATECO 2007" in error["message"]
    assert "47.11.02" in error["message"]  # the 2025 code ISTAT's table gives

    response = client.post("territory/businesses", {**base, "name": "B", "ateco_code": "99.99.99"})
    error = error_of(response)
    assert (error["field"], error["message"][:8]) == ("ateco_code", "99.99.99")

    created = client.post("territory/businesses", {**base, "name": "C", "ateco_code": "47.11.02"})
    assert created.status_code == 201
    assert created.json()["ateco_description"].startswith(
        "Commercio al dettaglio non specializzato"
    )
    export = client.get("territory/businesses/export", {"format": "csv"}).content.decode()
    assert "ateco_description" in export.splitlines()[0]
    assert "Commercio al dettaglio non specializzato" in export


def test_a_stored_2007_code_is_kept_reported_and_mapped(actors):
    business = actors.shop
    Business.objects.filter(pk=business.pk).update(ateco_code="56.10.11")
    client = ApiClient(actors.manager)
    response = client.patch(f"territory/businesses/{business.pk}", {"phone": "0371 123456"})
    assert response.status_code == 200  # an unrelated edit does not force the new code
    assert response.json()["ateco_description"] is None

    out = io.StringIO()
    call_command("ateco-report", stdout=out)
    text = out.getvalue()
    assert f"{business.pk} {business.name}" in text and "56.10.11 ATECO 2007" in text
    assert "-> 56.11.11 Attività di ristoranti con servizio al tavolo" in text
    assert "[whole]" in text


def test_import_names_the_row_and_the_unknown_code(actors):
    from distretto.territory.importing import import_businesses

    csv = (
        "name,partita_iva,category,ateco_code\n"
        f"Bottega Uno,{valid_partita_iva(901)},grocery,47.11.02\n"
        f"Bottega Due,{valid_partita_iva(902)},grocery,99.99.99\n"
    )
    report = import_businesses(csv, actors.district)
    assert not report.written
    [error] = report.errors
    assert (error.line, error.field) == (3, "ateco_code")
    assert "99.99.99" in error.reason


def test_a_site_moved_to_another_comune_takes_its_figures_or_asks(actors):
    call_command("load-comuni", "--provinces", "BG,TO", stdout=io.StringIO())
    client = ApiClient(actors.manager)
    site = client.post(
        "energy/sites", {"district": actors.district.pk, "name": "S", "comune": "016246"}
    ).json()
    moved = client.patch(f"energy/sites/{site['id']}", {"comune": "016036"})  # Branzi
    assert moved.status_code == 200
    body = moved.json()
    assert (body["comune"], body["climate_zone"], body["degree_days"]) == ("016036", "F", 3311)
    assert (body["season_start"], body["season_end"]) == ("10-05", "04-22")

    response = client.patch(f"energy/sites/{site['id']}", {"comune": "001316"})  # Mappano
    error = error_of(response)
    assert (response.status_code, error["field"]) == (422, "degree_days")
    assert "Mappano" in error["message"]
    assert client.get(f"energy/sites/{site['id']}").json()["comune"] == "016036"  # unchanged

    given = client.patch(f"energy/sites/{site['id']}", {"comune": "001316", "degree_days": 2500})
    assert (given.json()["degree_days"], given.json()["climate_zone"]) == (2500, "E")


def test_the_site_pages_show_the_reason_and_refill_from_the_comune(actors):
    from django.test import Client

    from distretto.energy.models import Site

    call_command("load-comuni", "--provinces", "BG,TO", stdout=io.StringIO())
    client = Client()
    client.force_login(actors.manager)
    form = {"district": actors.district.pk, "name": "Casa Mappano", "comune": "001316"}
    page = client.post("/energy/sites/new/", form).content.decode()
    assert "Mappano" in page and "APE" in page  # the reason, under the degree days
    assert not Site.objects.filter(name="Casa Mappano").exists()

    client.post("/energy/sites/new/", {**form, "comune": "016246"})
    site = Site.objects.get(name="Casa Mappano")
    assert (site.climate_zone, site.degree_days) == ("E", 2544)
    edit = f"/energy/sites/{site.pk}/edit/"
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"name": site.name, "comune": "016036", "climate_zone": "E"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.comune_id, site.climate_zone, site.degree_days) == ("016036", "F", 3311)
    assert (site.season_start_month, site.season_start_day) == (10, 5)


def test_business_list_shows_the_ateco_description(actors):
    from django.test import Client

    Business.objects.filter(pk=actors.shop.pk).update(ateco_code="10.71.10")
    client = Client()
    client.force_login(actors.manager)
    page = client.get("/territory/businesses/").content.decode()
    assert "10.71.10" in page and "Produzione di pane e prodotti di panetteria simili" in page

"""Typical products from CSV: every row checked, bad rows reported, re-import changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from distretto.catalog import importing, services
from distretto.catalog.models import Product

pytestmark = pytest.mark.django_db

GOOD = (
    "name,category,designation,region\n"
    "Bitto,cheese,DOP,Lombardia\n"
    "Raschera,Formaggi,dop,Piemonte\n"
    "Pecorino del Sannio,cheese,PAT,molise\n"
)
BAD = (
    "name,category,designation,region\n"
    "Bitto,cheese,DOP,Lombardia\n"
    "Fontina,cheese,DOC,Valle d'Aosta\n"
    "Robiola,milkshake,PAT,Piemonte\n"
    "Bitto,cheese,DOP,Lombardia\n"
    "Toma,cheese,PAT,Savoia\n"
)


def test_good_file_imports_and_a_second_import_changes_nothing():
    first = importing.import_products(GOOD)
    assert (first.created, first.updated, first.unchanged, first.written) == (3, 0, 0, True)
    raschera = Product.objects.get(name="Raschera")
    assert (raschera.category, raschera.designation, raschera.region) == (
        "cheese",
        "DOP",
        "Piemonte",
    )
    assert Product.objects.get(name="Pecorino del Sannio").region == "Molise"
    before = list(Product.objects.values_list("pk", "slug", "updated_at"))
    second = importing.import_products(GOOD)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert list(Product.objects.values_list("pk", "slug", "updated_at")) == before


def test_a_row_matches_an_existing_product_whatever_the_case_of_its_name():
    importing.import_products(GOOD)
    bitto = Product.objects.get(name="Bitto")
    report = importing.import_products(
        "name,category,designation,region\nBITTO,cheese,PAT,Lombardia\n"
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    bitto.refresh_from_db()
    assert (bitto.name, bitto.designation) == ("BITTO", "PAT")
    assert Product.objects.count() == 3


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_imported():
    report = importing.import_products(BAD)
    assert not report.written
    assert Product.objects.count() == 0
    problems = {(e.line, e.field) for e in report.errors}
    assert problems == {(3, "designation"), (4, "category"), (5, None), (6, "region")}
    reasons = {e.line: e.reason for e in report.errors}
    assert "DOC" in reasons[3] and "PAT" in reasons[3]
    assert "due volte" in reasons[5]  # reasons in the language of the request (Italian)
    assert "Savoia" in reasons[6]


def test_skip_bad_imports_the_good_rows_and_still_reports_the_bad_ones():
    report = importing.import_products(BAD, skip_bad=True)
    assert report.written and report.created == 1
    assert list(Product.objects.values_list("name", flat=True)) == ["Bitto"]
    assert len(report.errors) == 4


def test_a_changed_row_updates_only_that_product():
    importing.import_products(GOOD)
    changed = GOOD.replace("Bitto,cheese,DOP", "Bitto,cheese,PAT")
    report = importing.import_products(changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Product.objects.get(name="Bitto").designation == "PAT"


def test_missing_columns_and_seasons_are_checked():
    with pytest.raises(importing.ImportFileError, match="region"):
        importing.import_products("name,category,designation\nBitto,cheese,DOP\n")
    report = importing.import_products(
        "name,category,designation,region,season_from,season_to\n"
        "Castagna Cuneo,vegetables,IGP,Piemonte,9,\n"
        "Mela Rossa Cuneo,vegetables,IGP,Piemonte,13,2\n"
    )
    assert {(e.line, e.field) for e in report.errors} == {(2, "season_to"), (3, "season_from")}


def test_export_reads_back_unchanged(products):
    products["castelmagno"].season_from, products["castelmagno"].season_to = 5, 10
    products["castelmagno"].save()
    exported = importing.products_csv(Product.objects.all())
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {r["name"] for r in rows} == {"Branzi", "Taleggio", "Castelmagno", "Nocciola Piemonte"}
    assert next(r for r in rows if r["name"] == "Nocciola Piemonte")["name_en"] == (
        "Piedmont hazelnut"
    )
    report = importing.import_products(exported)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)


def test_bundled_reference_list_is_valid_and_covers_the_three_regions():
    services.ensure_reference_products()
    services.ensure_reference_products()
    assert Product.objects.count() >= 90
    regions = set(Product.objects.values_list("region", flat=True))
    assert regions == {"Lombardia", "Piemonte", "Molise"}
    for name, designation in [
        ("Bitto", "DOP"),
        ("Strachitunt", "DOP"),
        ("Castelmagno", "DOP"),
        ("Nocciola Piemonte", "IGP"),
        ("Vitelloni Piemontesi della Coscia", "IGP"),  # the IGP's official name
        ("Caciocavallo Silano", "DOP"),
        ("Caciocavallo di Agnone", "PAT"),
    ]:
        assert Product.objects.filter(name=name, designation=designation).exists(), name
    assert len(set(Product.objects.values_list("slug", flat=True))) == Product.objects.count()


def test_bundled_rows_name_a_source_and_unconfirmed_pat_is_not_shown_as_pat():
    services.ensure_reference_products()
    assert not Product.objects.filter(source="").exists()
    # Not Molise products, or not in the national PAT list (issue 15).
    assert not Product.objects.filter(
        name__in=["Agnello del Centro Italia", "Pecorino del Sannio", "Amaretti di Saronno"]
    ).exists()
    agnone = Product.objects.get(name="Caciocavallo di Agnone")
    assert (agnone.designation, agnone.designation_confirmed) == ("PAT", False)
    assert agnone.shown_designation == "other"
    assert agnone not in services.filter_products(services.products(), designation="PAT")
    assert agnone in services.filter_products(services.products(), designation="other")
    bitto = Product.objects.get(name="Bitto")
    assert (bitto.shown_designation, bitto.designation_confirmed) == ("DOP", True)
    agnone.designation_confirmed = True
    agnone.save()
    assert agnone in services.filter_products(services.products(), designation="PAT")
    exported = importing.products_csv(Product.objects.filter(pk__in=[agnone.pk, bitto.pk]))
    assert "confirmed,source" in exported.splitlines()[0]
    assert importing.import_products(exported).unchanged == 2


def test_import_command_refuses_a_file_with_bad_rows(tmp_path, capsys):
    path = tmp_path / "prodotti.csv"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(CommandError, match="4 bad row"):
        call_command("import-products", str(path))
    assert "line 3 (designation)" in capsys.readouterr().err
    assert not Product.objects.exists()
    call_command("import-products", str(path), "--skip-bad")
    assert Product.objects.count() == 1


def test_upload_page_reports_bad_rows_for_a_manager(client, actors):
    client.force_login(actors.manager)
    upload = io.BytesIO(BAD.encode("latin-1", errors="replace"))
    upload.name = "prodotti.csv"
    response = client.post("/catalog/manage/import/", {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="import-errors"' in page
    assert page.count("<tr><td>") == 4
    assert not Product.objects.exists()
    upload = io.BytesIO(GOOD.encode())
    upload.name = "prodotti.csv"
    client.post("/catalog/manage/import/", {"file": upload})
    assert Product.objects.count() == 3


def test_upload_page_is_not_found_for_a_merchant(client, actors):
    client.force_login(actors.merchant)
    assert client.get("/catalog/manage/import/").status_code == 404


def test_csv_export_page_and_api(client, anonymous_api, products):
    page = client.get("/catalog/products.csv")
    assert page["Content-Type"].startswith("text/csv")
    assert "Castelmagno,cheese,DOP,Piemonte" in page.content.decode()
    api = anonymous_api.get("catalog/products/export.csv")
    assert api.content == page.content

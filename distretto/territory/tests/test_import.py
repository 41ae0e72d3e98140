"""CSV import of businesses and projects: every bad row reported, all-or-nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from distretto.territory.importing import ImportFileError, import_businesses, import_projects
from distretto.territory.models import Business, Project
from distretto.testing import PASSWORD, valid_partita_iva

pytestmark = pytest.mark.django_db

HEADER = "name,partita_iva,category,ateco_code,address,lat,lon\n"


def good_row(n: int) -> str:
    return f"Bottega {n},{valid_partita_iva(9000 + n)},grocery,47.11.02,Via Roma {n},45.31,9.50\n"


def test_good_file_imports_every_row(actors):
    report = import_businesses(HEADER + good_row(1) + good_row(2), actors.district)
    assert report.ok and report.written and report.created == 2
    assert (
        Business.objects.filter(district=actors.district, name__startswith="Bottega").count() == 2
    )


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_imported(actors):
    text = (
        HEADER
        + good_row(1)
        + "Bottega X,01234567890,grocery,47.11.02,Via Roma,45.31,9.50\n"  # line 3: check digit
        + good_row(3)
        + f"Bottega Y,{valid_partita_iva(77)},spaceships,47.11.02,,45.31,9.50\n"  # line 5
        + f"Bottega Z,{valid_partita_iva(78)},grocery,4711,,abc,9.50\n"  # line 6: two problems
    )
    report = import_businesses(text, actors.district)
    assert not report.written
    problems = {(e.line, e.field) for e in report.errors}
    assert problems == {(3, "partita_iva"), (5, "category"), (6, "lat")}
    assert "cifra di controllo" in next(e.reason for e in report.errors if e.line == 3)
    assert not Business.objects.filter(name__startswith="Bottega").exists()


def test_skip_bad_imports_the_good_rows(actors):
    text = HEADER + good_row(1) + "Bottega X,01234567890,grocery,,,,\n" + good_row(3)
    report = import_businesses(text, actors.district, skip_bad=True)
    assert report.written and report.created == 2 and [e.line for e in report.errors] == [3]


def test_reimporting_the_same_file_changes_nothing(actors):
    text = HEADER + good_row(1) + good_row(2)
    import_businesses(text, actors.district)
    again = import_businesses(text, actors.district)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_changed_row_updates_the_existing_business(actors):
    import_businesses(HEADER + good_row(1), actors.district)
    changed = good_row(1).replace("Via Roma 1", "Via Garibaldi 9")
    report = import_businesses(HEADER + changed, actors.district)
    assert report.updated == 1
    assert Business.objects.get(name="Bottega 1").address == "Via Garibaldi 9"


def test_semicolons_latin1_and_italian_labels_are_understood(actors):
    text = f"name;partita_iva;category;comune\nCaffè Più;{valid_partita_iva(5)};Bar e caffè;Lodi\n"
    report = import_businesses(text.encode("latin-1"), actors.district)
    assert report.ok, report.errors
    business = Business.objects.get(name="Caffè Più")
    assert business.category == "bar_cafe" and business.comune_id == "098031"


def test_duplicate_rows_in_one_file_are_reported(actors):
    report = import_businesses(HEADER + good_row(1) + good_row(1), actors.district)
    assert [e.line for e in report.errors] == [3]


def test_row_with_too_many_values_is_reported(actors):
    report = import_businesses(HEADER + good_row(1).rstrip() + ",extra,values\n", actors.district)
    assert report.errors[0].reason == "più valori che colonne"


@pytest.mark.parametrize(
    "text, message",
    [("", "Il file è vuoto"), ("name,category\nX,grocery\n", "Colonne mancanti: partita_iva")],
)
def test_unreadable_file_is_a_clear_error(actors, text, message):
    with pytest.raises(ImportFileError, match=message):
        import_businesses(text, actors.district)


def test_projects_import_with_axes_and_italian_amounts(actors):
    text = (
        "title,axes,year,budget,comune,status\n"
        'Vetrine digitali,new_technologies;territorial_marketing,2024,"45.000,50",098031,active\n'
        "Rete,unknown_axis,2024,,,\n"
        "Senza anno,business_networks,duemila,,,\n"
    )
    report = import_projects(text, actors.chamber)
    assert {(e.line, e.field) for e in report.errors} == {(3, "axes"), (4, "year")}
    report = import_projects(text, actors.chamber, skip_bad=True)
    project = Project.objects.get(title="Vetrine digitali")
    assert project.axes == ["new_technologies", "territorial_marketing"]
    assert str(project.budget) == "45000.50" and project.status == "active"


class TestCommand:
    def test_command_reports_bad_rows_and_fails(self, actors, tmp_path):
        path = tmp_path / "shops.csv"
        path.write_text(HEADER + good_row(1) + "Bad,123,grocery,,,,\n")
        err = StringIO()
        with pytest.raises(CommandError, match="1 bad row"):
            call_command("import-businesses", str(path), "--district", "lodi", stderr=err)
        assert "line 3 (partita_iva)" in err.getvalue()
        out = StringIO()
        call_command(
            "import-businesses",
            str(path),
            "--district",
            "lodi",
            "--skip-bad",
            stdout=out,
            stderr=StringIO(),
        )
        assert "created 1" in out.getvalue()

    def test_unknown_district(self, actors, tmp_path):
        path = tmp_path / "shops.csv"
        path.write_text(HEADER)
        with pytest.raises(CommandError, match="No district 'nowhere'"):
            call_command("import-businesses", str(path), "--district", "nowhere")

    def test_projects_command(self, actors, tmp_path):
        path = tmp_path / "projects.csv"
        path.write_text("title,axes,year\nMercato,territorial_marketing,2025\n")
        out = StringIO()
        call_command("import-projects", str(path), "--chamber", "lodi", stdout=out)
        assert "created 1" in out.getvalue()


class TestUploadPage:
    def test_manager_uploads_and_sees_each_bad_row(self, actors):
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = Client()
        client.login(username="manager", password=PASSWORD)
        upload = SimpleUploadedFile(
            "shops.csv", (HEADER + good_row(1) + "Bad,123,grocery,,,,\n").encode()
        )
        response = client.post(
            "/territory/import/",
            {"kind": "businesses", "district": actors.district.pk, "file": upload},
        )
        assert response.status_code == 200
        assert b'id="import-errors"' in response.content and b"partita_iva" in response.content
        assert not Business.objects.filter(name="Bottega 1").exists()

    def test_merchant_has_no_import_page(self, actors):
        client = Client()
        client.login(username="merchant", password=PASSWORD)
        assert client.get("/territory/import/").status_code == 404

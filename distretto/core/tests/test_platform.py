"""Platform plumbing: migrations, SQLite pragmas, request logs, pages, language switch."""

import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from distretto.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def test_sqlite_connections_use_wal_and_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas only apply to SQLite")
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
        assert cursor.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_every_request_is_logged_as_one_json_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="distretto.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="abc123")
    assert response["X-Request-ID"] == "abc123"
    record = next(r for r in caplog.records if r.name == "distretto.request")
    from distretto.core.logging import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/healthz" and line["status"] == 200 and line["request_id"] == "abc123"
    assert line["method"] == "GET" and line["duration_ms"] >= 0


def test_home_lists_districts_in_italian_by_default(client, actors):
    page = client.get("/")
    assert page.status_code == 200
    assert "I distretti della Camera di Commercio" in page.content.decode()
    assert "Distretto di Lodi" in page.content.decode()


def test_language_switch_to_english(client, actors):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "The districts of the Chamber of Commerce" in client.get("/").content.decode()


def test_browser_language_is_followed(client, actors):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert "The districts of the Chamber of Commerce" in page.content.decode()


def test_dashboard_needs_login_and_shows_role_links(client, actors):
    assert client.get("/dashboard/").status_code == 302
    client.login(username="operator", password=PASSWORD)
    page = client.get("/dashboard/").content.decode()
    assert "Registro delle modifiche" in page  # the audit log, operators only
    client.login(username="merchant", password=PASSWORD)
    assert "Registro delle modifiche" not in client.get("/dashboard/").content.decode()


def test_api_docs_and_schema_are_served(client):
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/territory/businesses" in schema["paths"]
    assert "/api/v1/auth/token" in schema["paths"]


def test_public_maps_serve_geojson(client, actors):
    assert client.get("/territory/d/lodi/").status_code == 200
    features = client.get("/territory/d/lodi/businesses.geojson").json()["features"]
    assert len(features) == 2
    bad = client.get("/territory/d/lodi/businesses.geojson", {"category": "spaceships"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "category"
    assert client.get("/territory/d/nowhere/").status_code == 404


def test_totem_kiosk_address_leads_to_the_signage_player(client):
    response = client.get("/player/?screen=portrait")
    assert response.status_code == 302
    assert response["Location"] == "/signage/player/?screen=portrait"

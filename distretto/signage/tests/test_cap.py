"""CAP 1.2 alert feeds with the OASIS standard's own examples: an alert shown on the
totems inside its polygon and not outside, updated, cancelled, filtered by severity
and urgency, audited; malformed CAP refused with nothing made; polled feeds."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone

from distretto.accounts.models import AuditEntry
from distretto.signage import alerts, cap, services
from distretto.signage.models import CapAlert, Content
from distretto.testing import ApiClient, error_of

pytestmark = pytest.mark.django_db
CAP = Path(__file__).parent / "cap"
# During the OASIS example's thunderstorm warning (sent 14:57, expires 16:00 PDT).
DURING_STORM = datetime.fromisoformat("2003-06-17T15:00:00-07:00")


def post_cap(client: ApiClient, body: bytes | str):
    return client.client.post(
        "/api/v1/signage/alerts/cap", body, content_type="application/cap+xml", **client.headers
    )


def document(name: str) -> bytes:
    return (CAP / name).read_bytes()


@pytest.fixture
def feed(actors, totems):
    """A feed of the district; the centre totem stands inside the storm's polygon
    (Alpine County, CA), the station one in Lodi, far outside."""
    centre, station = totems
    centre.lat, centre.lon = 38.48, -119.93
    station.lat, station.lon = 45.31, 9.50
    centre.save()
    station.save()
    made, raw = alerts.create_feed(actors.district, {"name": "Protezione civile"})
    made.raw_token = raw
    return made


def test_the_standards_examples_parse():
    storm = cap.parse(document("oasis-a2-thunderstorm.xml"))
    assert (storm.identifier, storm.msg_type, storm.scope) == ("KSTO1055887203", "Alert", "Public")
    info = cap.info_for(storm)
    assert (info.severity, info.urgency, info.expires.isoformat()) == (
        "Severe",
        "Immediate",
        "2003-06-17T16:00:00-07:00",
    )
    assert cap.covers(info, 38.48, -119.93) and not cap.covers(info, 38.30, -120.20)
    quake = cap.parse(document("oasis-a3-earthquake-update.xml"))
    assert quake.references == (
        ("trinet@caltech.edu", "TRI13970876.1", "2003-06-11T20:30:00-07:00"),
    )
    assert cap.covers(cap.info_for(quake), 32.9525, -115.5527)


def test_an_alert_is_shown_on_the_totems_inside_its_area_only_and_audited(feed, totems):
    centre, station = totems
    alert, created = alerts.receive(feed, document("oasis-a2-thunderstorm.xml"), DURING_STORM)
    assert created and alert.outcome == "shown" and alert.displays == 1
    content = alert.content
    assert content.priority == "emergency" and content.title == "SEVERE THUNDERSTORM WARNING"
    assert "TAKE COVER" in content.body
    assert content.valid_until == datetime.fromisoformat("2003-06-17T16:00:00-07:00")
    assert list(content.target_displays.all()) == [centre]
    assert [i["title"] for i in services.manifest_for(centre, DURING_STORM).body["items"]] == [
        content.title
    ]
    assert services.manifest_for(station, DURING_STORM).body["items"] == []
    audit = AuditEntry.objects.get(object_type="signage.Content", object_id=str(content.pk))
    assert audit.actor == feed.account and audit.action == "create"


def test_an_update_replaces_the_alert_and_a_cancel_ends_it(feed, totems):
    centre, _station = totems
    first, _new = alerts.receive(feed, document("oasis-a2-thunderstorm.xml"), DURING_STORM)
    later = DURING_STORM + timedelta(minutes=25)
    update, _new = alerts.receive(feed, document("thunderstorm-update.xml"), later)
    first.refresh_from_db()
    first.content.refresh_from_db()
    assert first.outcome == "updated" and first.content.valid_until == later
    assert (
        update.outcome == "shown" and update.content.title == "SEVERE THUNDERSTORM WARNING EXTENDED"
    )
    cancelled_at = later + timedelta(minutes=20)
    cancel, _new = alerts.receive(feed, document("thunderstorm-cancel.xml"), cancelled_at)
    update.refresh_from_db()
    assert cancel.outcome == "cancel" and update.outcome == "cancelled"
    assert Content.objects.get(pk=update.content_id).valid_until == cancelled_at
    assert services.manifest_for(centre, cancelled_at + timedelta(minutes=1)).body["items"] == []


def test_an_alert_below_the_thresholds_or_outside_the_area_makes_no_content(feed):
    quake, _new = alerts.receive(feed, document("oasis-a3-earthquake-update.xml"), DURING_STORM)
    assert quake.outcome == "filtered" and quake.reason == "severity Minor"
    feed.min_severity, feed.min_urgency = "Minor", "Future"
    quake.delete()
    again, _new = alerts.receive(feed, document("oasis-a3-earthquake-update.xml"), DURING_STORM)
    assert again.outcome == "filtered" and again.reason == "urgency Past"
    feed.min_urgency = "Future"
    assert not Content.objects.exists()


def test_an_alert_outside_every_totem_is_kept_as_outside(feed, totems):
    for display in totems:
        display.lat, display.lon = 45.31, 9.50
        display.save()
    alert, _new = alerts.receive(feed, document("oasis-a2-thunderstorm.xml"), DURING_STORM)
    assert alert.outcome == "outside" and alert.content is None and not Content.objects.exists()


def test_a_message_received_twice_is_stored_once(feed):
    first, created = alerts.receive(feed, document("oasis-a2-thunderstorm.xml"), DURING_STORM)
    again, created_again = alerts.receive(feed, document("oasis-a2-thunderstorm.xml"), DURING_STORM)
    assert created and not created_again and again.pk == first.pk
    assert Content.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "field"),
    [("cap-1.1-alert.xml", "alert"), ("entity-expansion.xml", None)],
)
def test_malformed_cap_is_refused_and_nothing_is_made(feed, name, field):
    client = ApiClient(raw_token=feed.raw_token)
    response = post_cap(client, document(name).decode())
    assert response.status_code == 422
    assert error_of(response)["code"] == "malformed_cap" and error_of(response)["field"] == field
    assert not CapAlert.objects.exists() and not Content.objects.exists()


def test_a_cap_document_missing_a_required_element_names_it(feed):
    broken = document("oasis-a2-thunderstorm.xml").replace(b"<severity>Severe</severity>", b"")
    response = post_cap(ApiClient(raw_token=feed.raw_token), broken.decode())
    assert response.status_code == 422 and error_of(response)["field"] == "info.severity"
    not_xml = post_cap(ApiClient(raw_token=feed.raw_token), "<alert")
    assert not_xml.status_code == 422 and "well-formed" in error_of(not_xml)["message"]


def shifted_storm() -> str:
    """The A.2 warning moved to today: sent now, expiring in an hour."""
    now = timezone.now().astimezone()
    text = document("oasis-a2-thunderstorm.xml").decode()
    text = text.replace("2003-06-17T14:57:00-07:00", now.isoformat(timespec="seconds"))
    return text.replace(
        "2003-06-17T16:00:00-07:00", (now + timedelta(hours=1)).isoformat(timespec="seconds")
    )


def test_only_a_feeds_own_token_posts_cap(actors, feed, manager_api, anonymous_api):
    assert post_cap(anonymous_api, shifted_storm()).status_code == 401
    refused = post_cap(manager_api, shifted_storm())
    assert refused.status_code == 403 and error_of(refused)["code"] == "not_a_feed_token"
    # One document posted twice: made twice, a second boundary between the two would
    # change its sent time and make it another message.
    storm = shifted_storm()
    posted = post_cap(ApiClient(raw_token=feed.raw_token), storm)
    assert posted.status_code == 201 and posted.json()["outcome"] == "shown"
    replay = post_cap(ApiClient(raw_token=feed.raw_token), storm)
    assert replay.status_code == 200 and replay.json()["id"] == posted.json()["id"]
    listed = manager_api.get("signage/alerts").json()
    assert listed["count"] == 1 and listed["items"][0]["headline"] == "SEVERE THUNDERSTORM WARNING"
    # The feed's account can do nothing else.
    assert ApiClient(raw_token=feed.raw_token).get("signage/displays").json()["count"] == 0


class Served(BaseHTTPRequestHandler):
    documents: dict[str, bytes] = {}

    def do_GET(self):
        body = self.documents.get(self.path)
        self.send_response(200 if body else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def warning_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Served)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_polled_atom_feed_brings_its_cap_documents(feed, warning_server):
    Served.documents = {
        "/feed.atom": (
            b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Avvisi</title>'
            b"<entry><id>1</id><title>storm</title>"
            b'<link type="application/cap+xml" href="/storm.xml"/></entry>'
            b'<entry><id>2</id><title>quake</title><link href="/quake.xml"/></entry></feed>'
        ),
        "/storm.xml": shifted_storm().encode(),
        "/quake.xml": document("oasis-a3-earthquake-update.xml"),
    }
    feed.url = f"{warning_server}/feed.atom"
    feed.save()
    received = alerts.poll(feed)
    assert sorted(a.outcome for a in received) == ["filtered", "shown"]
    assert alerts.poll_due() == 0  # polled just now
    feed.refresh_from_db()
    assert feed.last_polled_at and feed.last_error == ""
    feed.url = f"{warning_server}/missing.xml"
    alerts.poll(feed)
    feed.refresh_from_db()
    assert "404" in feed.last_error

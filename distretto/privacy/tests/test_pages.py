"""Pages: the privacy notice of a programme in Italian and English, linked from the
wallet and the check-in page; the chamber operator's requests page."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from distretto.loyalty.cardnumbers import printed
from distretto.loyalty.models import Card
from distretto.privacy.models import Notice, SubjectRequest

pytestmark = pytest.mark.django_db


def test_the_notice_is_in_italian_by_default_and_in_english_on_request(client, program):
    Notice.objects.create(
        program=program,
        version="2026-01",
        controller="Comune di Lodi",
        contact_email="rpd@example.org",
        extra_en="Prizes are delivered by the shops.",
        extra_it="I premi sono consegnati dai negozi.",
    )
    italian = client.get(f"/privacy/notice/{program.pk}/").content.decode()
    assert "Informativa sul trattamento dei dati personali" in italian
    assert "Comune di Lodi" in italian and "rpd@example.org" in italian
    assert "30 giorni" in italian and "I premi sono consegnati" in italian
    assert "2026-01" in italian
    english = client.get(
        f"/privacy/notice/{program.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Privacy notice" in english and "kept for 30 days" in english
    assert "Prizes are delivered" in english


def test_a_programme_without_its_own_notice_shows_the_standard_one(client, program):
    page = client.get(f"/privacy/notice/{program.pk}/").content.decode()
    assert "Distretto del Commercio di Lodi" in page  # the programme's promoter
    assert "standard-1" in page
    assert client.get("/privacy/notice/999999/").status_code == 404


def test_wallet_and_check_in_page_link_the_notice(client, issued, venue, program):
    _card, raw = issued
    wallet = client.get(f"/loyalty/w/{raw}/").content.decode()
    assert f"/privacy/notice/{program.pk}/" in wallet and f"/privacy/w/{raw}/" in wallet
    checkin = client.get(f"/checkins/v/{venue.pk}/").content.decode()
    link = f"/privacy/notice/district/{program.district_id}/"
    assert link in checkin
    assert client.get(link)["Location"] == f"/privacy/notice/{program.pk}/"


def test_the_operator_finds_exports_and_erases_from_the_page(client, actors, history):
    client.force_login(actors.operator)
    found = client.get("/privacy/", {"subject": history.number})
    assert found.status_code == 200
    # Finding is not a request: pseudonymous identifiers only, nothing registered; the
    # person's name, e-mail and balance come only with a registered export.
    assert b"Sara Cliente" not in found.content and b"sara@example.org" not in found.content
    assert b'id="pseudonymous"' in found.content
    assert not SubjectRequest.objects.exists()
    # The card as printed on it, its status in words.
    card = Card.objects.get(pk=history.pk)
    assert f"<code>{printed(card.number)}</code>".encode() in found.content
    assert f"<td>{card.get_status_display()}</td>".encode() in found.content
    assert f"<td>{card.status}</td>".encode() not in found.content
    reason = "Request by registered letter of 2 March"
    download = client.post(
        "/privacy/", {"subject": history.number, "action": "export", "reason": reason}
    )
    assert download["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(download.content)).read("subject.json"))
    assert data["cards"][0]["number"] == history.number
    unconfirmed = client.post(
        "/privacy/", {"subject": history.number, "action": "erase", "reason": reason}
    )
    assert unconfirmed.status_code == 200 and b'id="subject-error"' in unconfirmed.content
    assert Card.objects.get(pk=history.pk).holder_name == "Sara Cliente"
    erased = client.post(
        "/privacy/",
        {"subject": history.number, "action": "erase", "reason": reason, "confirm": "1"},
        follow=True,
    )
    assert erased.status_code == 200
    assert Card.objects.get(pk=history.pk).holder_name == ""
    assert list(SubjectRequest.objects.values_list("kind", flat=True)) == ["erasure", "export"]
    assert b"register" in erased.content


def test_the_requests_page_is_404_for_other_roles(client, actors):
    client.force_login(actors.manager)
    assert client.get("/privacy/").status_code == 404
    client.logout()
    assert client.get("/privacy/").status_code == 302

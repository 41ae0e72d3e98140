"""Consents: recorded with date, notice version and channel wherever they are given;
withdrawn from the wallet; the card's flags follow the last record."""

from __future__ import annotations

import pytest

from distretto.loyalty.models import Card
from distretto.privacy import services
from distretto.privacy.models import Consent, Notice
from distretto.testing import ApiClient

pytestmark = pytest.mark.django_db


def test_a_card_issued_with_consent_through_the_api_records_it(api_as, actors, program):
    Notice.objects.create(
        program=program, version="2026-03", controller="Distretto", contact_email="p@example.org"
    )
    response = api_as(actors.manager).post(
        "loyalty/cards",
        {"program": program.pk, "holder_name": "Luca", "consent_privacy": True},
    )
    assert response.status_code == 201, response.content
    consent = Consent.objects.get(card__number=response.json()["number"])
    assert (consent.purpose, consent.granted, consent.channel) == ("privacy", True, "api")
    assert consent.text_version == "2026-03" and consent.recorded_by == actors.manager


def test_the_cardholder_withdraws_marketing_consent_from_the_wallet_api(issued):
    card, raw = issued
    wallet = ApiClient(raw_token=raw)
    given = wallet.post("privacy/wallet/consents", {"purpose": "marketing", "granted": True})
    assert given.status_code == 200
    assert given.json()["current"][card.number] == {"privacy": True, "marketing": True}
    withdrawn = wallet.post("privacy/wallet/consents", {"purpose": "marketing", "granted": False})
    assert withdrawn.json()["current"][card.number]["marketing"] is False
    history = withdrawn.json()["history"]
    assert [(h["purpose"], h["granted"], h["channel"]) for h in history] == [
        ("privacy", True, "system"),
        ("marketing", True, "wallet"),
        ("marketing", False, "wallet"),
    ]
    assert all(h["at"] and h["text_version"] for h in history)
    assert not Card.objects.get(pk=card.pk).consent_marketing


def test_the_wallet_page_withdraws_with_one_button(client, issued):
    card, raw = issued
    page = client.get(f"/privacy/w/{raw}/")
    assert page.status_code == 200
    assert b"consent-privacy" in page.content
    response = client.post(f"/privacy/w/{raw}/", {"purpose": "privacy", "granted": "0"})
    assert response.status_code == 302
    assert services.current_consents(card)["privacy"] is False
    assert not Card.objects.get(pk=card.pk).consent_privacy
    assert client.get("/privacy/w/lcw_nonsense/").status_code == 404


def test_an_operator_records_a_paper_consent(api_as, actors, card):
    response = api_as(actors.operator).post(
        f"privacy/subjects/{card.number}/consents",
        {"purpose": "marketing", "granted": True, "channel": "paper", "text_version": "2025-09"},
    )
    assert response.status_code == 201
    consent = Consent.objects.filter(card=card, purpose="marketing").get()
    assert (consent.channel, consent.text_version, consent.recorded_by) == (
        "paper",
        "2025-09",
        actors.operator,
    )
    bad = api_as(actors.operator).post(
        f"privacy/subjects/{card.number}/consents", {"purpose": "spam", "granted": True}
    )
    assert bad.status_code == 422


def test_a_flag_changed_in_the_admin_enters_the_history(card):
    card.consent_marketing = True
    card.save()
    assert services.current_consents(card) == {"privacy": True, "marketing": True}
    card.save()  # nothing changed: nothing recorded
    assert Consent.objects.filter(card=card).count() == 2

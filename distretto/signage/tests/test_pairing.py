"""Pairing by the code on a blank player's screen: the operator types it, the player
collects its token once; codes expire, are single use and guessing is throttled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from distretto.signage import pairing
from distretto.signage.models import Display, PairingCode
from distretto.testing import ApiClient, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def start(client: ApiClient) -> dict:
    response = client.post("signage/player/pairing")
    assert response.status_code == 201
    return response.json()


def status(client: ApiClient, claim: str) -> dict:
    return client.post("signage/player/pairing/status", {"claim": claim}).json()


def test_a_blank_player_is_paired_by_its_code_and_collects_its_token_once(
    actors, manager_api, anonymous_api
):
    code = start(anonymous_api)
    assert len(code["code"]) == 6 and set(code["code"]) <= set(pairing.ALPHABET)
    assert status(anonymous_api, code["claim"])["status"] == "waiting"
    typed = f" {code['code'][:3].lower()}-{code['code'][3:]} "  # as a person may type it
    paired = manager_api.post(
        "signage/displays/pair",
        {
            "code": typed,
            "district": actors.district.pk,
            "name": "Piazza Europa",
            "orientation": "portrait",
        },
    )
    assert paired.status_code == 201 and paired.json()["name"] == "Piazza Europa"
    collected = status(anonymous_api, code["claim"])
    assert collected["status"] == "paired" and collected["display"] == "Piazza Europa"
    player = ApiClient(raw_token=collected["token"])
    assert player.get("signage/player/manifest").status_code == 200
    spent = status(anonymous_api, code["claim"])
    assert spent["status"] == "expired" and spent["token"] is None
    again = manager_api.post(
        "signage/displays/pair", {"code": code["code"], "display": paired.json()["id"]}
    )
    assert again.status_code == 409 and error_of(again)["code"] == "pairing_code_used"


def test_pairing_an_existing_totem_replaces_its_player(actors, manager_api, anonymous_api, totems):
    centre, _station = totems
    code = start(anonymous_api)
    assert (
        manager_api.post(
            "signage/displays/pair", {"code": code["code"], "display": centre.pk}
        ).status_code
        == 200
    )
    token = status(anonymous_api, code["claim"])["token"]
    assert ApiClient(raw_token=centre.raw_token).get("signage/player/manifest").status_code == 401
    assert ApiClient(raw_token=token).get("signage/player/manifest").status_code == 200


def test_an_expired_code_cannot_be_paired(manager_api, anonymous_api, totems):
    centre, _station = totems
    code = start(anonymous_api)
    PairingCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = manager_api.post(
        "signage/displays/pair", {"code": code["code"], "display": centre.pk}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "pairing_code_expired"
    assert status(anonymous_api, code["claim"])["status"] == "expired"


def test_guessing_codes_is_throttled(manager_api, totems):
    centre, _station = totems
    for _ in range(pairing.ATTEMPTS):
        wrong = manager_api.post("signage/displays/pair", {"code": "AAAAAA", "display": centre.pk})
        assert wrong.status_code == 404 and error_of(wrong)["field"] == "code"
    blocked = manager_api.post("signage/displays/pair", {"code": "AAAAAA", "display": centre.pk})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0


def test_a_player_address_gets_a_limited_number_of_codes(anonymous_api):
    for _ in range(pairing.STARTS):
        start(anonymous_api)
    assert anonymous_api.post("signage/player/pairing").status_code == 429


def test_nobody_pairs_a_totem_of_another_district(actors, anonymous_api, totems):
    centre, _station = totems
    code = start(anonymous_api)
    outsider = ApiClient(actors.outsider)
    assert (
        outsider.post(
            "signage/displays/pair", {"code": code["code"], "display": centre.pk}
        ).status_code
        == 404
    )
    made = outsider.post(
        "signage/displays/pair", {"code": code["code"], "district": actors.district.pk, "name": "X"}
    )
    assert made.status_code == 404
    assert status(anonymous_api, code["claim"])["status"] == "waiting"
    assert not Display.objects.filter(name="X").exists()


def test_a_failed_pairing_of_a_new_totem_creates_nothing(actors, manager_api):
    response = manager_api.post(
        "signage/displays/pair", {"code": "ZZZZZZ", "district": actors.district.pk, "name": "Nuovo"}
    )
    assert response.status_code == 404
    assert not Display.objects.filter(name="Nuovo").exists()


def test_the_manager_pairs_from_the_totems_page(actors, anonymous_api):
    from django.test import Client

    from distretto.testing import PASSWORD

    code = start(anonymous_api)
    client = Client()
    client.login(username=actors.manager.username, password=PASSWORD)
    response = client.post(
        "/signage/",
        {
            "action": "pair",
            "code": code["code"],
            "district": actors.district.pk,
            "name": "Via Roma",
            "orientation": "portrait",
        },
    )
    display = Display.objects.get(name="Via Roma")
    assert (
        response.status_code == 302 and response["Location"] == f"/signage/displays/{display.pk}/"
    )
    assert status(anonymous_api, code["claim"])["status"] == "paired"

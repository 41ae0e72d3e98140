"""The signage cast: the Lodi district's totems in two zones (Centro storico, Stazione),
each with its display token. Tests that need real streaming (Server-Sent Events cannot
be served by the WSGI live_server) start a uvicorn server with ``start_server``."""

from __future__ import annotations

import pytest

from distretto.signage import services
from distretto.testing import ApiClient


@pytest.fixture
def totems(actors):
    """Two totems: one in the historic centre, one at the station; with their tokens."""
    centre, centre_token = services.create_display(
        actors.district, {"name": "Piazza Galimberti", "groups": ["Centro storico"]}
    )
    station, station_token = services.create_display(
        actors.district, {"name": "Stazione FS", "groups": ["Stazione"]}
    )
    centre.raw_token, station.raw_token = centre_token, station_token
    return centre, station


@pytest.fixture
def manager_api(actors) -> ApiClient:
    return ApiClient(actors.manager)


@pytest.fixture
def merchant_api(actors) -> ApiClient:
    return ApiClient(actors.merchant)


def player_api(display) -> ApiClient:
    return ApiClient(raw_token=display.raw_token)


def text_content(district, **fields) -> dict:
    body = {
        "district": district.pk,
        "kind": "text",
        "title": "Saldi in centro",
        "body": "Tutti i negozi aperti fino alle 22",
        "duration_s": 8,
    }
    body.update(fields)
    return body

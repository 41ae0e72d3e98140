"""The player in Chromium against a real uvicorn server: it shows the items, switches
after an edit without reloading, and keeps cycling its cached items - even across a
reload - after the server is stopped."""

from __future__ import annotations

import io

import httpx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.accounts.scoping import Principal
from distretto.signage import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(_chromium):
    # Playwright's string waits are evals, which the Content-Security-Policy forbids.
    context = _chromium.new_context(
        locale="it-IT", viewport={"width": 960, "height": 540}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def png(colour: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), colour).save(buffer, "PNG")
    return SimpleUploadedFile("manifesto.png", buffer.getvalue(), content_type="image/png")


WORKER_STATES = """navigator.serviceWorker.getRegistration().then((r) => r && {
    installing: r.installing && r.installing.state,
    waiting: r.waiting && r.waiting.state,
    active: r.active && r.active.state,
})"""


def stage_text(page) -> str:
    return page.locator("#stage").inner_text()


def test_player_plays_switches_live_and_survives_the_server_going_away(
    actors, totems, start_server, browser_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    centre, _station = totems
    manager = Principal(user=actors.manager)
    first = services.create_content(
        manager, actors.district, {"kind": "text", "title": "Primo", "duration_s": 1}
    )
    image = services.store_media(actors.district, png("orange"))
    services.create_content(
        manager,
        actors.district,
        {"kind": "image", "title": "Manifesto", "media": image.pk, "duration_s": 1},
    )
    _token, manager_token = tokens.issue(kind=ApiToken.Kind.PERSONAL, name="t", user=actors.manager)
    server = start_server()
    page = browser_page
    page.goto(f"{server.url}/signage/player/")  # not paired yet: it says so
    page.wait_for_function("document.querySelector('#stage').innerText.length > 0")
    assert "abbinat" in stage_text(page)
    page.goto(f"{server.url}/signage/player/#token={centre.raw_token}")
    page.wait_for_function("document.body.dataset.contentId !== undefined")
    page.wait_for_function("document.querySelector('#stage').innerText.includes('Primo')")
    assert "#token" not in page.url  # the token left the address bar for localStorage
    # Installing the worker fetches the player's shell from the server; under the full
    # parallel suite that can take longer than the page's default 15 s. A worker that
    # activated while this page loaded is asked to claim it again (player.js).
    try:
        page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    except PlaywrightTimeoutError:
        states = page.evaluate(WORKER_STATES)
        raise AssertionError(f"the service worker never took control: {states}") from None
    page.evaluate("window.__sameDocument = true")

    response = httpx.patch(
        f"{server.url}/api/v1/signage/contents/{first.pk}",
        json={"title": "Primo aggiornato"},
        headers={"Authorization": f"Bearer {manager_token}"},
    )
    assert response.status_code == 200
    page.wait_for_function(
        "document.querySelector('#stage').innerText.includes('Primo aggiornato')"
    )
    page.wait_for_function(
        "[...document.querySelectorAll('#stage img')].some(i => i.naturalWidth === 64)"
    )
    assert page.evaluate("window.__sameDocument") is True  # switched without a reload
    # The manifest and the image are in Cache Storage before the outage.
    page.wait_for_function(
        "caches.open('signage-data').then(c => c.match('/api/v1/signage/player/manifest'))"
        ".then(r => r ? r.json() : null).then(m => !!m && m.items[0].title === 'Primo aggiornato')"
    )
    page.wait_for_function(
        f"caches.open('signage-media').then(c => c.match('{image.file.url}')).then(r => !!r)"
    )

    server.stop()
    shown = page.evaluate("window.signagePlayer.shown")
    page.wait_for_function(f"window.signagePlayer.shown >= {shown + 3}")
    page.wait_for_function("document.querySelector('#status').classList.contains('offline')")

    page.reload()  # the server is still down: the service worker serves everything
    page.wait_for_function(
        "document.querySelector('#stage').innerText.includes('Primo aggiornato')"
    )
    page.wait_for_function(
        "[...document.querySelectorAll('#stage img')].some(i => i.naturalWidth === 64)"
    )
    shown = page.evaluate("window.signagePlayer.shown")
    page.wait_for_function(f"window.signagePlayer.shown >= {shown + 2}")
    queued = page.evaluate("JSON.parse(localStorage.getItem('signage.plays') || '[]').length")
    assert queued >= 3  # proof of play waits for the server to come back

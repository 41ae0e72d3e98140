"""The player in Chromium against a real uvicorn server: zones in both orientations
with no black frame between slides, pairing a blank player by its code from the
manager's page, remote commands acknowledged and a screenshot shown, a stalled video
skipped, and a server stopped for 60 s under a playing player."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client

from distretto.accounts.scoping import Principal
from distretto.signage import services
from distretto.signage.models import Display, DisplayCommand, PlayRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def context_of(_chromium):
    opened = []

    def make(width: int, height: int, **options):
        context = _chromium.new_context(
            locale="it-IT",
            viewport={"width": width, "height": height},
            bypass_csp=True,  # Playwright's string waits are evals, which the CSP forbids
            **options,
        )
        opened.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield make
    for context in opened:
        context.close()


def publish(actors, title: str, **fields):
    return services.create_content(
        Principal(user=actors.manager),
        actors.district,
        {"kind": "text", "title": title, "duration_s": 1, **fields},
    )


def zone_has(key: str, text: str) -> str:
    """A predicate: the zone exists and shows ``text`` (before the manifest arrives the
    player may be full screen, with no such zone)."""
    zone = f"document.querySelector('[data-zone={key}]')"
    return f"(({zone} || {{}}).innerText || '').includes('{text}')"


def zone_box(page, key: str) -> dict:
    return page.eval_on_selector(
        f"[data-zone={key}]",
        "e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; }",
    )


# During a transition the main zone always has a slide at full opacity: measured on
# every animation frame for a few seconds (covering several 1-second slides).
LEAST_COVER = """() => new Promise((resolve) => {
  const zone = document.querySelector('[data-zone=main]');
  let least = 1, frames = 0, worst = null;
  const start = performance.now();
  function frame() {
    const slides = [...zone.querySelectorAll('.slide')];
    const cover = Math.max(0, ...slides.map((s) => parseFloat(getComputedStyle(s).opacity)));
    if (cover < least) {
      least = cover;
      worst = slides.map((s) => s.className + ' ' + getComputedStyle(s).opacity);
    }
    frames += 1;
    if (performance.now() - start < 3500) requestAnimationFrame(frame);
    else resolve({least, frames, worst});
  }
  requestAnimationFrame(frame);
})"""


def test_zones_play_in_both_orientations_without_a_black_frame(
    actors, totems, start_server, context_of
):
    centre, station = totems
    layouts = services.builtin_layouts()
    services.update_display(
        centre, {"orientation": "portrait", "layout": layouts["portrait-main-ticker-clock"].pk}
    )
    services.update_display(station, {"layout": layouts["landscape-main-side-ticker"].pk})
    publish(actors, "Primo", background="#1565c0")
    publish(actors, "Secondo", background="#2e7d32")
    publish(actors, "Mercato in piazza sabato", zone="ticker", duration_s=10)
    publish(actors, "Orari del Comune", zone="info", duration_s=10)
    server = start_server()

    portrait = context_of(540, 960)
    portrait.goto(f"{server.url}/signage/player/#token={centre.raw_token}")
    portrait.wait_for_function("document.body.dataset.contentId !== undefined")
    portrait.wait_for_function(zone_has("ticker", "Mercato"))
    clock, main, ticker = (zone_box(portrait, key) for key in ("clock", "main", "ticker"))
    assert clock["y"] == 0 and clock["w"] == 540
    assert main["y"] == pytest.approx(0.08 * 960, abs=1) and ticker["y"] == pytest.approx(
        0.92 * 960, abs=1
    )
    assert portrait.eval_on_selector("[data-zone=clock]", "e => /\\d\\d:\\d\\d/.test(e.innerText)")
    shown = portrait.evaluate("window.signagePlayer.shown")
    portrait.wait_for_function(f"window.signagePlayer.shown >= {shown + 1}")
    cover = portrait.evaluate(LEAST_COVER)
    assert cover["frames"] > 30 and cover["least"] >= 0.99, cover

    landscape = context_of(960, 540)
    landscape.goto(f"{server.url}/signage/player/#token={station.raw_token}")
    landscape.wait_for_function(zone_has("info", "Orari del Comune"))
    info = zone_box(landscape, "info")
    assert info["x"] == pytest.approx(0.70 * 960, abs=1) and info["w"] == pytest.approx(
        0.30 * 960, abs=1
    )
    shown = landscape.evaluate("window.signagePlayer.shown")
    landscape.wait_for_function(f"window.signagePlayer.shown >= {shown + 2}")
    cover = landscape.evaluate(LEAST_COVER)
    assert cover["least"] >= 0.99, cover


def sign_in(page, base_url: str, user) -> None:
    """A session made here, in the database the server shares (the server hashes
    passwords otherwise than the tests do, so the login form is not the way in)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
    )


def test_a_blank_player_is_paired_by_code_then_obeys_commands_and_sends_a_screenshot(
    actors, start_server, context_of, tmp_path
):
    publish(actors, "Benvenuti a Lodi", duration_s=5)
    server = start_server({"MEDIA_ROOT": str(tmp_path)})
    player = context_of(540, 960)
    player.goto(f"{server.url}/signage/player/")
    player.wait_for_function("!!document.getElementById('player').dataset.pairingCode")
    code = player.evaluate("document.getElementById('player').dataset.pairingCode")
    assert len(code) == 6 and code in player.inner_text(".pairing-code").replace(" ", "")
    assert player.locator("a").count() == 0  # nothing leads into a staff session

    manager = context_of(390, 844)
    sign_in(manager, server.url, actors.manager)
    manager.goto(f"{server.url}/signage/")
    if not manager.is_visible("#pair-code"):
        manager.click("#pair-by-code summary")
    manager.fill("#pair-code", code.lower())
    manager.fill("#pair-name", "Piazza della Vittoria")
    manager.click("#pair-submit")
    manager.wait_for_url(f"{server.url}/signage/displays/*/")
    assert manager.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    player.wait_for_function("document.body.dataset.contentId !== undefined", timeout=30_000)
    assert "Benvenuti a Lodi" in player.inner_text("[data-zone=main]")
    display = Display.objects.get(name="Piazza della Vittoria")

    manager.click("#command-identify")
    manager.wait_for_selector("#commands li[data-command]")
    player.wait_for_selector(".identify", timeout=30_000)
    assert "Piazza della Vittoria" in player.inner_text(".identify")
    manager.wait_for_selector("#commands li[data-status=done]", timeout=30_000)

    manager.click("#command-screenshot")
    manager.wait_for_selector("#screenshot img", timeout=45_000)
    shot = DisplayCommand.objects.get(display=display, kind="screenshot")
    assert shot.status == "done"
    display.refresh_from_db()
    assert display.screenshot and display.screenshot_at
    assert manager.evaluate("document.querySelector('#screenshot img').naturalWidth > 100"), (
        "the screenshot shown is an image of the screen"
    )


def test_a_stalled_video_is_skipped(actors, start_server, context_of, totems, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    centre, _station = totems
    from django.core.files.uploadedfile import SimpleUploadedFile

    video = services.store_media(
        actors.district,
        SimpleUploadedFile("spot.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video/mp4"),
    )
    publish(actors, "Spot", kind="video", media=video.pk, duration_s=120)
    publish(actors, "Dopo il video", duration_s=120)
    server = start_server({"MEDIA_ROOT": str(tmp_path), "SIGNAGE_VIDEO_STALL_S": "3"})
    page = context_of(960, 540, service_workers="block")
    page.route("**/*.mp4", lambda route: None)  # the file never arrives
    page.goto(f"{server.url}/signage/player/#token={centre.raw_token}")
    page.wait_for_function("window.signagePlayer.skipped >= 1", timeout=30_000)
    page.wait_for_function(zone_has("main", "Dopo il video"))
    assert page.evaluate("window.signagePlayer.lastSkip") == "stalled"


def reported_at_least(count: int, seconds: float) -> None:
    """Until the server holds ``count`` plays. (Waiting for the player's queue to be
    empty raced with the slides of one second that keep filling it.)"""
    deadline = time.monotonic() + seconds
    while PlayRecord.objects.count() < count:
        assert time.monotonic() < deadline, "the player did not send its plays"
        time.sleep(0.5)


def test_a_player_keeps_playing_through_60_s_without_server_and_reports_afterwards(
    actors, start_server, context_of, totems
):
    centre, _station = totems
    publish(actors, "Uno", duration_s=1)
    publish(actors, "Due", duration_s=1)
    server = start_server()
    port = server.port
    page = context_of(960, 540)
    page.goto(f"{server.url}/signage/player/#token={centre.raw_token}")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_function("window.signagePlayer.shown >= 3")
    reported_at_least(1, 60)
    before = PlayRecord.objects.count()
    assert before >= 1

    server.stop()
    stopped_at = time.monotonic()
    shown = page.evaluate("window.signagePlayer.shown")
    page.wait_for_function("document.querySelector('#status').classList.contains('offline')")
    time.sleep(max(0.0, 60 - (time.monotonic() - stopped_at)))
    played_offline = page.evaluate("window.signagePlayer.shown") - shown
    queued = page.evaluate("window.signageQueue.count()")
    assert played_offline >= 40 and queued >= 40

    server = start_server(port=port)
    reported_at_least(before + queued, 90)
    reported = PlayRecord.objects.count() - before
    print(
        f"\nserver down 60 s: {played_offline} slides shown offline, {queued} plays queued, "
        f"{reported} plays reported after the restart"
    )
    assert reported >= queued


def test_the_player_plays_and_captures_its_screen_under_the_content_security_policy(
    _chromium, actors, totems, start_server
):
    """As a kiosk browser runs it: the policy enforced, no violation reported."""
    centre, _station = totems
    services.update_display(
        centre, {"layout": services.builtin_layouts()["landscape-main-side-ticker"].pk}
    )
    publish(actors, "Benvenuti", duration_s=5)
    publish(actors, "Mercato sabato", zone="ticker", duration_s=5)
    server = start_server()
    context = _chromium.new_context(locale="it-IT", viewport={"width": 960, "height": 540})
    try:
        page = context.new_page()
        page.add_init_script(
            "window.__violations = [];"
            "document.addEventListener('securitypolicyviolation',"
            " (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        page.goto(f"{server.url}/signage/player/#token={centre.raw_token}")
        deadline = time.monotonic() + 30
        while page.evaluate("document.body.dataset.contentId") is None:
            assert time.monotonic() < deadline, "the player never played"
            time.sleep(0.3)
        image = page.evaluate(
            "window.modernScreenshot.domToJpeg(document.getElementById('player'), {scale: 0.5})"
        )
        assert image.startswith("data:image/jpeg") and len(image) > 2000
        assert page.evaluate("window.__violations") == []
    finally:
        context.close()

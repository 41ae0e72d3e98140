"""The signage pages as their people use them (issue 17): every staff page fits a
360 px phone; the totem page speaks Italian (no ISO times, version hashes or internal
words); the player shows nothing that leads into a staff session; no inline scripts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from distretto.signage import commands, services
from distretto.signage.tests.conftest import player_api, text_content
from distretto.testing import PASSWORD, browser_login

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "signage"


def test_no_signage_template_has_an_inline_script_or_handler():
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name


@pytest.mark.django_db
def test_the_totem_page_shows_no_iso_time_hash_or_internal_word(actors, manager_api, totems):
    centre, _station = totems
    manager_api.post("signage/contents", text_content(actors.district, title="Saldi"))
    manager_api.post("signage/contents", text_content(actors.district, kind="date", title="Oggi"))
    version = player_api(centre).get("signage/player/manifest").json()["version"]
    client = Client()
    client.login(username=actors.manager.username, password=PASSWORD)
    page = client.get(f"/signage/displays/{centre.pk}/").content.decode()
    main = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1])  # the text a person reads
    assert version not in main
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", main)
    assert not re.search(r"· (date|events|text|image|video|web|html|campaigns) ·", main)
    assert "Messaggio di testo" in main


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_signage_staff_page_fits_a_360_px_phone(
    actors, manager_api, totems, page, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    centre, _station = totems
    content = manager_api.post("signage/contents", text_content(actors.district)).json()
    commands.send(centre, "identify")
    services.update_display(
        centre, {"layout": services.builtin_layouts()["landscape-main-side-ticker"].pk}
    )
    page.set_viewport_size({"width": 360, "height": 740})
    browser_login(page, actors.manager.username)
    for path in [
        "/signage/",
        f"/signage/displays/{centre.pk}/",
        "/signage/groups/",
        "/signage/contents/",
        f"/signage/contents/{content['id']}/",
        "/signage/media/",
        "/signage/reports/",
        "/signage/alerts/",
    ]:
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > 361).slice(0, 5)"
            ".map(e => e.tagName + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))"
        )
        assert width <= 360, f"{path} is {width} px wide: {wide}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_player_leads_nowhere(page):
    page.goto(page.base_url + "/signage/player/")
    page.wait_for_selector(".pairing-code")
    assert page.locator("a, form, nav, header").count() == 0

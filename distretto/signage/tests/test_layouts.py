"""Screen layouts: the zones' rules, the shipped layouts, content aimed at a zone, and
the manifest that describes the zones and their playlists."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distretto.signage import layouts, services
from distretto.signage.models import Layout
from distretto.signage.tests.conftest import player_api, text_content
from distretto.testing import error_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", sorted(layouts.BUILTIN))
def test_every_shipped_layout_is_valid_and_has_a_main_zone(slug):
    zones = layouts.parse_zones(layouts.builtin_zones(slug))
    assert "main" in {zone.key for zone in zones}


@pytest.mark.parametrize(
    ("zones", "problem"),
    [
        ([], "needs a list"),
        ([{"key": "info", "x": 0, "y": 0, "w": 50, "h": 50}], "needs a main zone"),
        (
            [
                {"key": "main", "x": 0, "y": 0, "w": 60, "h": 100},
                {"key": "info", "x": 50, "y": 0, "w": 50, "h": 50},
            ],
            "overlaps main",
        ),
        ([{"key": "main", "x": 10, "y": 0, "w": 100, "h": 100}], "past the edge"),
        (
            [
                {"key": "main", "x": 0, "y": 0, "w": 50, "h": 100},
                {"key": "main", "x": 50, "y": 0, "w": 50, "h": 100},
            ],
            "appears twice",
        ),
        ([{"key": "banner", "x": 0, "y": 0, "w": 100, "h": 100}], "key is one of"),
        ([{"key": "main", "x": 0, "y": 0, "w": "100", "h": 100}], "w must be a number"),
    ],
)
def test_a_layout_with_bad_zones_is_refused_saying_why(zones, problem):
    with pytest.raises(ValueError, match=problem):
        layouts.parse_zones(zones)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 100), st.floats(0, 100), st.floats(0.1, 100), st.floats(0.1, 100)),
        min_size=1,
        max_size=4,
    )
)
def test_accepted_zones_never_overlap_and_stay_on_screen(boxes):
    raw = [
        {"key": key, "x": x, "y": y, "w": w, "h": h}
        for key, (x, y, w, h) in zip(layouts.ZONE_KEYS, boxes, strict=False)
    ]
    try:
        zones = layouts.parse_zones(raw)
    except ValueError:
        return
    for zone in zones:
        assert zone.x + zone.w <= 100 and zone.y + zone.h <= 100
        assert not any(zone.overlaps(other) for other in zones if other is not zone)


def builtin(slug: str) -> Layout:
    return services.builtin_layouts()[slug]


def test_the_manifest_describes_the_zones_and_plays_each_zones_content(actors, manager_api, totems):
    centre, _station = totems
    services.update_display(
        centre, {"orientation": "portrait", "layout": builtin("portrait-main-ticker-clock").pk}
    )
    manager_api.post("signage/contents", text_content(actors.district, title="Principale"))
    manager_api.post(
        "signage/contents", text_content(actors.district, title="Notizia", zone="ticker")
    )
    manager_api.post(
        "signage/contents", text_content(actors.district, title="Riquadro", zone="info")
    )
    manifest = player_api(centre).get("signage/player/manifest").json()
    assert manifest["layout"]["slug"] == "portrait-main-ticker-clock"
    assert [z["key"] for z in manifest["layout"]["zones"]] == ["clock", "main", "ticker"]
    assert [i["title"] for i in manifest["items"]] == ["Principale"]
    # The layout has no side box: content for it does not play here.
    assert {k: [i["title"] for i in v] for k, v in manifest["zones"].items()} == {
        "ticker": ["Notizia"]
    }


def test_a_display_without_layout_is_full_screen_in_its_orientation(totems):
    centre, _station = totems
    services.update_display(centre, {"orientation": "portrait"})
    manifest = player_api(centre).get("signage/player/manifest").json()
    assert manifest["layout"]["slug"] == "portrait-full"
    assert manifest["zones"] == {}


def test_an_emergency_takes_the_whole_screen(actors, manager_api, totems):
    centre, _station = totems
    services.update_display(centre, {"layout": builtin("landscape-main-side-ticker").pk})
    manager_api.post(
        "signage/contents", text_content(actors.district, title="Notizia", zone="ticker")
    )
    before = player_api(centre).get("signage/player/manifest").json()
    manager_api.post(
        "signage/contents", text_content(actors.district, title="Allerta", priority="emergency")
    )
    during = player_api(centre).get("signage/player/manifest").json()
    assert [i["title"] for i in during["items"]] == ["Allerta"]
    assert during["zones"] == {"info": [], "ticker": []}
    assert during["version"] != before["version"]


def test_changing_the_layout_or_the_screen_off_hours_changes_the_version(totems):
    centre, _station = totems
    first = player_api(centre).get("signage/player/manifest").json()
    services.update_display(centre, {"layout": builtin("landscape-main-side-ticker").pk})
    second = player_api(centre).get("signage/player/manifest").json()
    services.update_display(
        centre,
        {"screen_off": [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "23:00", "end": "24:00"}]},
    )
    third = player_api(centre).get("signage/player/manifest").json()
    assert len({first["version"], second["version"], third["version"]}) == 3
    assert third["screen_off"] == [
        {"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "23:00", "end": "24:00"}
    ]


def test_content_that_cannot_play_in_its_zone_is_refused(actors, manager_api):
    video_in_ticker = manager_api.post(
        "signage/contents",
        text_content(actors.district, kind="web", url="https://example.org", zone="ticker"),
    )
    assert video_in_ticker.status_code == 422 and error_of(video_in_ticker)["field"] == "zone"
    emergency_aside = manager_api.post(
        "signage/contents", text_content(actors.district, priority="emergency", zone="info")
    )
    assert emergency_aside.status_code == 422 and error_of(emergency_aside)["field"] == "zone"


def test_a_layout_of_the_other_orientation_is_refused(manager_api, totems):
    centre, _station = totems
    response = manager_api.patch(
        f"signage/displays/{centre.pk}", {"layout": builtin("portrait-full").pk}
    )
    assert response.status_code == 422 and error_of(response)["field"] == "layout"


def test_managers_list_the_shipped_layouts_and_add_their_own(actors, manager_api, totems):
    listed = manager_api.get("signage/layouts").json()
    assert {
        "landscape-full",
        "portrait-full",
        "portrait-main-ticker-clock",
        "landscape-main-side-ticker",
    } <= {item["slug"] for item in listed["items"]}
    bad = manager_api.post(
        "signage/layouts",
        {
            "district": actors.district.pk,
            "name": "Vetrina",
            "orientation": "landscape",
            "zones": [{"key": "info", "x": 0, "y": 0, "w": 10, "h": 10}],
        },
    )
    assert bad.status_code == 422 and error_of(bad)["field"] == "zones"
    made = manager_api.post(
        "signage/layouts",
        {
            "district": actors.district.pk,
            "name": "Vetrina",
            "orientation": "landscape",
            "zones": [
                {"key": "main", "x": 0, "y": 0, "w": 75, "h": 100},
                {"key": "clock", "x": 75, "y": 0, "w": 25, "h": 100},
            ],
        },
    )
    assert made.status_code == 201 and made.json()["slug"] == "vetrina"
    centre, _station = totems
    used = manager_api.patch(f"signage/displays/{centre.pk}", {"layout": made.json()["id"]})
    assert used.status_code == 200 and used.json()["layout"] == made.json()["id"]

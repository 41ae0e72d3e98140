"""Offline e-mails (one when a totem is offline longer than its district's delay, one
when it is back, none in its screen-off hours) and the proof that a change arrived
(up to date, pending since, delivered)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from distretto.signage import alerts, services
from distretto.signage.models import Content, Display, SignageSettings
from distretto.signage.tests.conftest import player_api, text_content

pytestmark = pytest.mark.django_db
# A Wednesday, 10:00 in Rome.
MORNING = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def seen(display: Display, at: datetime) -> None:
    Display.objects.filter(pk=display.pk).update(last_seen_at=at)
    display.refresh_from_db()


def test_one_e_mail_when_a_totem_goes_offline_and_one_when_it_is_back(actors, totems):
    centre, station = totems
    seen(centre, MORNING - timedelta(minutes=9))
    seen(station, MORNING)
    assert alerts.check_offline(MORNING) == {"offline": 0, "back": 0}  # 9 minutes: not yet
    later = MORNING + timedelta(minutes=2)
    assert alerts.check_offline(later) == {"offline": 1, "back": 0}
    assert alerts.check_offline(later + timedelta(minutes=5))["offline"] == 0  # once
    assert mail.outbox[0].to == [actors.manager.email]
    assert "Piazza Galimberti" in mail.outbox[0].subject
    back = later + timedelta(minutes=30)
    seen(centre, back)
    seen(station, back)
    assert alerts.check_offline(back) == {"offline": 0, "back": 1}
    assert alerts.check_offline(back)["back"] == 0
    assert len(mail.outbox) == 2


def test_the_districts_delay_is_used(actors, totems):
    centre, station = totems
    SignageSettings.objects.create(district=actors.district, offline_alert_minutes=60)
    seen(centre, MORNING - timedelta(minutes=30))
    seen(station, MORNING)
    assert alerts.check_offline(MORNING)["offline"] == 0
    assert alerts.check_offline(MORNING + timedelta(minutes=31))["offline"] == 1


def test_no_e_mail_in_screen_off_hours_and_the_delay_counts_from_screen_on(actors, totems):
    centre, station = totems
    # Off every night from 20:00 to 08:00 (Rome).
    services.update_display(
        centre,
        {
            "screen_off": [
                {"weekdays": list(range(7)), "start": "20:00", "end": "24:00"},
                {"weekdays": list(range(7)), "start": "00:00", "end": "08:00"},
            ]
        },
    )
    evening = datetime(2026, 3, 10, 18, 55, tzinfo=UTC)  # 19:55 in Rome
    seen(centre, evening)
    seen(station, MORNING)
    assert alerts.check_offline(datetime(2026, 3, 10, 23, 0, tzinfo=UTC))["offline"] == 0
    assert alerts.check_offline(datetime(2026, 3, 11, 7, 5, tzinfo=UTC))["offline"] == 0  # 08:05
    assert alerts.check_offline(datetime(2026, 3, 11, 7, 11, tzinfo=UTC))["offline"] == 1  # 08:11
    assert len(mail.outbox) == 1


def test_a_change_is_pending_until_the_totem_reports_it_then_delivered(actors, manager_api, totems):
    centre, station = totems
    created = manager_api.post(
        "signage/contents", text_content(actors.district, title="Saldi")
    ).json()
    version = player_api(centre).get("signage/player/manifest").json()["version"]
    player_api(centre).post("signage/player/heartbeat", {"version": version})
    assert manager_api.get(f"signage/displays/{centre.pk}").json()["delivery"] == "up_to_date"
    assert manager_api.get(f"signage/displays/{station.pk}").json()["delivery"] == "never_seen"

    changed_at = timezone.now()
    manager_api.patch(f"signage/contents/{created['id']}", {"title": "Saldi estivi"})
    state = manager_api.get(f"signage/displays/{centre.pk}").json()
    assert state["delivery"] == "pending" and state["pending_since"] >= changed_at.isoformat()[:19]
    content = Content.objects.get(pk=created["id"])
    delivery = services.content_delivery(content)
    assert not delivery["delivered"] and [d.pk for d in delivery["pending"]] == [centre.pk]

    new_version = player_api(centre).get("signage/player/manifest").json()["version"]
    player_api(centre).post("signage/player/heartbeat", {"version": new_version})
    assert manager_api.get(f"signage/displays/{centre.pk}").json()["delivery"] == "up_to_date"
    delivery = services.content_delivery(content)
    assert delivery["delivered"] and [d.pk for d in delivery["offline"]] == [station.pk]

"""The playlist as a pure function: validity edges, dayparts (across Europe/Rome's
daylight-saving changes of 29 March and 25 October 2026), emergency, targeting, order."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from distretto.signage.playlist import (
    Daypart,
    Rule,
    Screen,
    parse_dayparts,
    playlist,
    playlists,
)

ROME = ZoneInfo("Europe/Rome")
EVERY_DAY = frozenset(range(7))
SCREEN = Screen(id=1, groups=frozenset({10}))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def rome(*args, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ROME).replace(fold=fold)


def rule(id: int, **fields) -> Rule:
    fields.setdefault("valid_from", utc(2026, 1, 1))
    return Rule(id=id, **fields)


# --- Validity ---------------------------------------------------------------------------------


def test_validity_includes_its_start_and_excludes_its_end():
    promo = rule(1, valid_from=utc(2026, 5, 1, 8), valid_until=utc(2026, 5, 1, 9))
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 7, 59, 59), ROME).ids == ()
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 8), ROME).ids == (1,)
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 8, 59, 59), ROME).ids == (1,)
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 9), ROME).ids == ()


def test_next_change_is_the_next_validity_edge():
    promo = rule(1, valid_from=utc(2026, 5, 1, 8), valid_until=utc(2026, 5, 1, 9))
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 7), ROME).next_change_at == utc(2026, 5, 1, 8)
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 8), ROME).next_change_at == utc(2026, 5, 1, 9)
    assert playlist([promo], SCREEN, utc(2026, 5, 1, 9), ROME).next_change_at is None


def test_open_ended_content_never_changes_by_time():
    assert playlist([rule(1)], SCREEN, utc(2026, 5, 1), ROME) == playlist(
        [rule(1)], SCREEN, utc(2026, 5, 1), ROME
    )
    assert playlist([rule(1)], SCREEN, utc(2026, 5, 1), ROME).next_change_at is None


def test_an_edge_that_changes_nothing_visible_is_not_a_change():
    # Item 2 starts while an emergency is on: the screen does not change then.
    alarm = rule(1, priority="emergency", valid_until=utc(2026, 5, 1, 12))
    later = rule(2, valid_from=utc(2026, 5, 1, 10))
    plan = playlist([alarm, later], SCREEN, utc(2026, 5, 1, 9), ROME)
    assert plan.ids == (1,)
    assert plan.next_change_at == utc(2026, 5, 1, 12)


# --- Dayparts -----------------------------------------------------------------------------------


def test_daypart_uses_the_district_wall_clock():
    # Breakfast 07:00-10:00 Rome time, weekdays only. 1 June 2026 is a Monday (CEST, +2).
    breakfast = rule(1, dayparts=(Daypart(frozenset(range(5)), time(7), time(10)),))
    assert playlist([breakfast], SCREEN, rome(2026, 6, 1, 6, 59), ROME).ids == ()
    assert playlist([breakfast], SCREEN, rome(2026, 6, 1, 7, 0), ROME).ids == (1,)
    assert playlist([breakfast], SCREEN, rome(2026, 6, 1, 9, 59), ROME).ids == (1,)
    assert playlist([breakfast], SCREEN, rome(2026, 6, 6, 8, 0), ROME).ids == ()  # Saturday
    plan = playlist([breakfast], SCREEN, rome(2026, 6, 1, 8), ROME)
    assert plan.next_change_at == rome(2026, 6, 1, 10)  # = 08:00 UTC


def test_daypart_next_start_skips_the_weekend():
    breakfast = rule(1, dayparts=(Daypart(frozenset(range(5)), time(7), time(10)),))
    plan = playlist([breakfast], SCREEN, rome(2026, 6, 5, 12), ROME)  # Friday noon
    assert plan.next_change_at == rome(2026, 6, 8, 7)  # Monday 07:00


def test_dayparts_keep_local_time_across_the_march_change():
    # Sunday 29 March 2026: at 02:00 CET clocks go to 03:00 CEST (01:00 UTC).
    # "Every day 08:00-09:00" starts at 07:00 UTC on Saturday and 06:00 UTC on Sunday.
    morning = rule(1, dayparts=(Daypart(EVERY_DAY, time(8), time(9)),))
    saturday = playlist([morning], SCREEN, utc(2026, 3, 28, 6, 30), ROME)
    assert saturday.ids == () and saturday.next_change_at == utc(2026, 3, 28, 7)
    sunday = playlist([morning], SCREEN, utc(2026, 3, 29, 5, 30), ROME)
    assert sunday.ids == () and sunday.next_change_at == utc(2026, 3, 29, 6)
    assert playlist([morning], SCREEN, utc(2026, 3, 29, 6, 30), ROME).ids == (1,)
    assert playlist([morning], SCREEN, utc(2026, 3, 29, 7, 0), ROME).ids == ()


def test_a_daypart_in_the_skipped_march_hour_never_plays_and_its_end_is_the_jump():
    # 02:00-02:59 does not exist on 29 March; 01:30-02:30 ends when clocks jump at 01:00 UTC.
    night = rule(1, dayparts=(Daypart(frozenset({6}), time(1, 30), time(2, 30)),))
    plan = playlist([night], SCREEN, rome(2026, 3, 29, 1, 45), ROME)
    assert plan.ids == (1,)
    assert plan.next_change_at == utc(2026, 3, 29, 1)  # 03:00 CEST, already past 02:30
    assert playlist([night], SCREEN, utc(2026, 3, 29, 1), ROME).ids == ()


def test_dayparts_keep_local_time_across_the_october_change():
    # Sunday 25 October 2026: at 03:00 CEST clocks go back to 02:00 CET (01:00 UTC).
    evening = rule(1, dayparts=(Daypart(EVERY_DAY, time(18), time(20)),))
    saturday = playlist([evening], SCREEN, utc(2026, 10, 24, 15), ROME)
    assert saturday.next_change_at == utc(2026, 10, 24, 16)  # 18:00 CEST
    sunday = playlist([evening], SCREEN, utc(2026, 10, 25, 15), ROME)
    assert sunday.next_change_at == utc(2026, 10, 25, 17)  # 18:00 CET
    assert playlist([evening], SCREEN, utc(2026, 10, 25, 16, 30), ROME).ids == ()


def test_the_repeated_october_hour_plays_twice():
    # 02:00-03:00 local happens twice on 25 October: 00:00-01:00 UTC and 01:00-02:00 UTC.
    night = rule(1, dayparts=(Daypart(frozenset({6}), time(2), time(3)),))
    first = playlist([night], SCREEN, utc(2026, 10, 24, 23, 30), ROME)
    assert first.next_change_at == utc(2026, 10, 25, 0)
    assert playlist([night], SCREEN, utc(2026, 10, 25, 0, 30), ROME).ids == (1,)
    during = playlist([night], SCREEN, utc(2026, 10, 25, 0, 59), ROME)
    assert during.ids == (1,) and during.next_change_at == utc(2026, 10, 25, 2)
    assert playlist([night], SCREEN, utc(2026, 10, 25, 1, 30), ROME).ids == (1,)
    assert playlist([night], SCREEN, utc(2026, 10, 25, 2), ROME).ids == ()


def test_a_daypart_ending_at_midnight():
    late = rule(1, dayparts=parse_dayparts([{"weekdays": [4], "start": "22:00", "end": "24:00"}]))
    plan = playlist([late], SCREEN, rome(2026, 6, 5, 23), ROME)  # Friday 23:00
    assert plan.ids == (1,) and plan.next_change_at == rome(2026, 6, 6, 0)


@pytest.mark.parametrize(
    "raw, message",
    [
        ([{"weekdays": [], "start": "08:00", "end": "09:00"}], "weekdays"),
        ([{"weekdays": [7], "start": "08:00", "end": "09:00"}], "weekdays"),
        ([{"weekdays": [1], "start": "9:0x", "end": "10:00"}], "not a time"),
        ([{"weekdays": [1], "start": "10:00", "end": "09:00"}], "after start"),
        (["08:00"], "object"),
    ],
)
def test_bad_dayparts_are_refused_with_a_reason(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_dayparts(raw)


# --- Emergency, targeting, order -----------------------------------------------------------------


def test_emergency_overrides_everything_while_it_lasts():
    items = [rule(1), rule(2, priority="high"), rule(3, priority="emergency")]
    assert playlist(items, SCREEN, utc(2026, 5, 1), ROME).ids == (3,)
    cleared = [
        rule(1),
        rule(2, priority="high"),
        rule(3, priority="emergency", valid_until=utc(2026, 5, 1)),
    ]
    assert playlist(cleared, SCREEN, utc(2026, 5, 1), ROME).ids == (2, 1)


def test_emergency_for_another_zone_does_not_interrupt_this_totem():
    items = [rule(1), rule(2, priority="emergency", groups=frozenset({99}))]
    assert playlist(items, SCREEN, utc(2026, 5, 1), ROME).ids == (1,)


def test_targets_by_zone_by_display_or_everyone():
    station, centre = Screen(1, frozenset({10})), Screen(2, frozenset({20}))
    items = [
        rule(1),  # no target: every totem of the district
        rule(2, groups=frozenset({10})),
        rule(3, displays=frozenset({2})),
        rule(4, groups=frozenset({30}), displays=frozenset({1})),
    ]
    assert playlist(items, station, utc(2026, 5, 1), ROME).ids == (1, 2, 4)
    assert playlist(items, centre, utc(2026, 5, 1), ROME).ids == (1, 3)


def test_order_is_priority_then_creation():
    items = [rule(5), rule(2), rule(9, priority="high"), rule(7, priority="high")]
    assert playlist(items, SCREEN, utc(2026, 5, 1), ROME).ids == (7, 9, 2, 5)


def test_an_unapproved_display_plays_nothing():
    assert playlist([rule(1)], Screen(1, approved=False), utc(2026, 5, 1), ROME).ids == ()


def test_many_displays_agree_with_one_at_a_time():
    items = [rule(1, groups=frozenset({10})), rule(2, valid_until=utc(2026, 5, 2)), rule(3)]
    screens = [Screen(n, frozenset({10}) if n % 2 else frozenset()) for n in range(1, 7)]
    at = utc(2026, 5, 1, 12)
    together = playlists(items, screens, at, ROME)
    for screen in screens:
        assert together[screen.id] == playlist(items, screen, at, ROME)


def test_next_change_at_is_exact_against_a_minute_by_minute_scan():
    """Worked check: step through a DST week minute by minute; the list changes exactly
    at each reported next_change_at and nowhere in between."""
    items = [
        rule(1, dayparts=(Daypart(frozenset({5, 6}), time(1, 30), time(2, 30)),)),
        rule(2, dayparts=(Daypart(EVERY_DAY, time(7), time(9)),), priority="high"),
        rule(3, valid_from=utc(2026, 10, 24, 10), valid_until=utc(2026, 10, 25, 10)),
    ]
    at = utc(2026, 10, 24, 0)
    end = utc(2026, 10, 26, 0)
    plan = playlist(items, SCREEN, at, ROME)
    t = at
    while t < end:
        t += timedelta(minutes=1)
        now = playlist(items, SCREEN, t, ROME)
        if now.ids != plan.ids:
            assert t == plan.next_change_at, (t, plan.next_change_at)
            plan = now
        else:
            assert plan.next_change_at != t

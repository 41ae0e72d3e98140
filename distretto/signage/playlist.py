"""What a display plays at an instant: a pure function of the content set, the display
and the instant. No database, no clock: everything comes in as arguments.

Rules (``playlist``):

1. A content *targets* a display when it names the display, or one of its groups,
   or names nothing at all (then it is for every display of the district).
2. It is *live* at ``t`` when ``valid_from <= t < valid_until`` (no ``valid_until``:
   open-ended) and, if it has dayparts, the district's local wall-clock time at ``t``
   falls in one of them: weekday in the set (Monday = 0) and ``start <= time < end``
   (``end`` of ``None`` means midnight at the end of that day). Using the wall clock
   keeps dayparts right across daylight-saving changes: on the last Sunday of March
   02:00-03:00 never happens, and on the last Sunday of October it happens twice.
3. If any live targeted content is an emergency, only emergencies play; otherwise
   every live targeted content plays, high priority first, then in creation order
   (ascending id), which is stable.
4. ``next_change_at`` is the first instant after ``t`` at which the list of items
   changes by the passing of time alone (a validity edge or a daypart edge), or
   ``None`` if it does not change within ``horizon``.
5. A screen plays one such list per screen zone of its layout (``main``, ``info``,
   ``ticker``), each made of the content aimed at that zone (``screen_plans``). An
   emergency takes the whole screen: while the main zone plays one, the other zones
   play nothing. The screen's ``next_change_at`` is the earliest of its zones'.

Screen power (``screen_is_off``): a display's screen-off hours are dayparts too; the
screen is off while the district's wall clock is in one of them.

The caller passes only approved, active content (approval is not a matter of time).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PRIORITY_RANK = {"emergency": 0, "high": 1, "normal": 2}
HORIZON = timedelta(days=8)


@dataclass(frozen=True)
class Daypart:
    """Weekdays (Monday = 0) and a local time range [start, end); end None = midnight."""

    weekdays: frozenset[int]
    start: time
    end: time | None

    def contains(self, local: datetime) -> bool:
        if local.weekday() not in self.weekdays:
            return False
        wall = local.time().replace(tzinfo=None, fold=0)
        return self.start <= wall and (self.end is None or wall < self.end)


@dataclass(frozen=True)
class Rule:
    """The time and targeting facts of one content item."""

    id: int
    valid_from: datetime
    valid_until: datetime | None = None
    dayparts: tuple[Daypart, ...] = ()
    priority: str = "normal"
    groups: frozenset[int] = frozenset()
    displays: frozenset[int] = frozenset()
    zone: str = "main"


@dataclass(frozen=True)
class Screen:
    """A display as the playlist sees it: its id, its groups, whether it may play;
    and, for its manifest, its layout (None: full screen in its orientation) and its
    screen-off hours (as stored, JSON text)."""

    id: int
    groups: frozenset[int] = frozenset()
    approved: bool = True
    layout: int | None = None
    screen_off: str = "[]"
    orientation: str = "landscape"


@dataclass(frozen=True)
class Playlist:
    items: tuple[Rule, ...]
    next_change_at: datetime | None = None
    ids: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", tuple(rule.id for rule in self.items))


# --- Parsing the API's daypart shape --------------------------------------------------------


def parse_time(text: str, *, allow_midnight_end: bool = False) -> time | None:
    """``"HH:MM"`` → time; ``"24:00"`` (only as an end) → None, meaning end of day."""
    if allow_midnight_end and text == "24:00":
        return None
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, AttributeError):
        raise ValueError(f"{text!r} is not a time HH:MM") from None


def parse_dayparts(raw: Iterable[dict]) -> tuple[Daypart, ...]:
    """Validate ``[{"weekdays": [0-6], "start": "HH:MM", "end": "HH:MM"}]``.

    ``end`` may be ``"24:00"`` or ``"00:00"`` for midnight; ``end`` must follow ``start``.
    Raises ValueError with a sentence saying what is wrong.
    """
    parts = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValueError(f"daypart {index} must be an object")
        weekdays = item.get("weekdays")
        if (
            not isinstance(weekdays, list)
            or not weekdays
            or any(not isinstance(day, int) or isinstance(day, bool) for day in weekdays)
            or any(day < 0 or day > 6 for day in weekdays)
        ):
            raise ValueError(f"daypart {index}: weekdays must be a non-empty list of 0-6")
        start = parse_time(str(item.get("start", "")))
        end_text = str(item.get("end", ""))
        end = None if end_text == "00:00" else parse_time(end_text, allow_midnight_end=True)
        if end is not None and end <= start:
            raise ValueError(f"daypart {index}: end must be after start")
        parts.append(Daypart(frozenset(weekdays), start, end))
    return tuple(parts)


def daypart_dicts(parts: Iterable[Daypart]) -> list[dict]:
    return [
        {
            "weekdays": sorted(part.weekdays),
            "start": part.start.strftime("%H:%M"),
            "end": part.end.strftime("%H:%M") if part.end else "24:00",
        }
        for part in parts
    ]


# --- The rules ------------------------------------------------------------------------------


def targets(rule: Rule, screen: Screen) -> bool:
    if not rule.groups and not rule.displays:
        return True
    return screen.id in rule.displays or bool(rule.groups & screen.groups)


def is_live(rule: Rule, at: datetime, tz: ZoneInfo) -> bool:
    if at < rule.valid_from or (rule.valid_until is not None and at >= rule.valid_until):
        return False
    if not rule.dayparts:
        return True
    local = at.astimezone(tz)
    return any(part.contains(local) for part in rule.dayparts)


def items_at(rules: Iterable[Rule], at: datetime, tz: ZoneInfo) -> tuple[Rule, ...]:
    """The live items among ``rules`` (already known to target the display), in order."""
    live = [rule for rule in rules if is_live(rule, at, tz)]
    if any(rule.priority == "emergency" for rule in live):
        live = [rule for rule in live if rule.priority == "emergency"]
    return tuple(sorted(live, key=lambda rule: (PRIORITY_RANK.get(rule.priority, 2), rule.id)))


def _local_instants(day: date, wall: time | None, tz: ZoneInfo) -> Iterator[datetime]:
    """The UTC instants of a local wall time on ``day`` (both readings when ambiguous)."""
    if wall is None:  # midnight at the end of the day
        day, wall = day + timedelta(days=1), time(0, 0)
    for fold in (0, 1):
        yield datetime.combine(day, wall, tzinfo=tz).replace(fold=fold).astimezone(UTC)


def _offset_changes(start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """The instants in [start, end] at which ``tz``'s UTC offset changes (DST)."""
    step = timedelta(hours=6)
    cursor = start
    while cursor < end:
        upper = min(cursor + step, end)
        if cursor.astimezone(tz).utcoffset() != upper.astimezone(tz).utcoffset():
            low, high = cursor, upper
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                    low = middle
                else:
                    high = middle
            yield high.replace(microsecond=0)
        cursor = upper


def boundaries(rule: Rule, start: datetime, end: datetime, tz: ZoneInfo) -> set[datetime]:
    """Instants in (start, end] where ``rule`` may become live or stop being live."""
    found = {rule.valid_from}
    if rule.valid_until is not None:
        found.add(rule.valid_until)
    if rule.dayparts:
        first = start.astimezone(tz).date() - timedelta(days=1)
        days = (end.astimezone(tz).date() - first).days + 1
        for offset in range(days + 1):
            day = first + timedelta(days=offset)
            for part in rule.dayparts:
                if day.weekday() in part.weekdays:
                    found.update(_local_instants(day, part.start, tz))
                    found.update(_local_instants(day, part.end, tz))
    return {instant for instant in found if start < instant <= end}


def playlist(
    rules: Iterable[Rule],
    screen: Screen,
    at: datetime,
    tz: ZoneInfo,
    horizon: timedelta = HORIZON,
) -> Playlist:
    """What ``screen`` plays at ``at`` and when that changes next (see the module rules)."""
    if not screen.approved:
        return Playlist(items=(), next_change_at=None)
    mine = [rule for rule in rules if targets(rule, screen)]
    return _playlist_of(mine, at, tz, horizon)


def _playlist_of(mine: list[Rule], at: datetime, tz: ZoneInfo, horizon: timedelta) -> Playlist:
    current = items_at(mine, at, tz)
    end = at + horizon
    candidates: set[datetime] = set()
    for rule in mine:
        candidates |= boundaries(rule, at, end, tz)
    if any(rule.dayparts for rule in mine):
        candidates.update(_offset_changes(at, end, tz))
    ids = [rule.id for rule in current]
    for instant in sorted(candidates):
        if [rule.id for rule in items_at(mine, instant, tz)] != ids:
            return Playlist(items=current, next_change_at=instant)
    return Playlist(items=current, next_change_at=None)


def playlists(
    rules: Iterable[Rule],
    screens: Iterable[Screen],
    at: datetime,
    tz: ZoneInfo,
    horizon: timedelta = HORIZON,
) -> dict[int, Playlist]:
    """``playlist`` for many screens at once; screens targeted by the same rules share
    one computation (a district's totems mostly fall in a few zones)."""
    rules = list(rules)
    named = set().union(*(rule.displays for rule in rules))  # displays a rule names
    shared: dict[frozenset[int], Playlist] = {}
    # Screens in the same groups, named by no rule, match the same rules.
    by_groups: dict[frozenset[int], Playlist] = {}
    result = {}
    for screen in screens:
        if not screen.approved:
            result[screen.id] = Playlist(items=(), next_change_at=None)
            continue
        alike = screen.id not in named
        if alike and screen.groups in by_groups:
            result[screen.id] = by_groups[screen.groups]
            continue
        mine = [rule for rule in rules if targets(rule, screen)]
        key = frozenset(rule.id for rule in mine)
        if key not in shared:
            shared[key] = _playlist_of(mine, at, tz, horizon)
        result[screen.id] = shared[key]
        if alike:
            by_groups[screen.groups] = shared[key]
    return result


def screen_plans(zones: Iterable[str], plans: dict[str, Playlist]) -> dict[str, Playlist]:
    """Rule 5: the playlists of one screen's zones, from each zone's playlist for it;
    while the main zone plays an emergency the other zones play nothing."""
    mine = {zone: plans.get(zone, EMPTY) for zone in zones}
    main = mine.get("main", EMPTY)
    if any(rule.priority == "emergency" for rule in main.items):
        mine = {
            zone: (plan if zone == "main" else Playlist((), plan.next_change_at))
            for zone, plan in mine.items()
        }
    return mine


def next_change(plans: Iterable[Playlist]) -> datetime | None:
    """The earliest ``next_change_at`` of several playlists."""
    instants = [plan.next_change_at for plan in plans if plan.next_change_at is not None]
    return min(instants) if instants else None


EMPTY = Playlist(items=())


def screen_is_off(parts: Iterable[Daypart], at: datetime, tz: ZoneInfo) -> bool:
    """Whether the screen is in its off hours at ``at``."""
    local = at.astimezone(tz)
    return any(part.contains(local) for part in parts)


def screen_on_since(parts: tuple[Daypart, ...], at: datetime, tz: ZoneInfo) -> datetime | None:
    """When the screen last came on before ``at`` (the end of its last off period,
    looking back at most a week and a day), or None if it has not been off since;
    meaningful while the screen is on."""
    if not parts:
        return None
    start = at - HORIZON
    edges = boundaries(Rule(id=0, valid_from=start, dayparts=parts), start, at, tz)
    for instant in sorted(edges, reverse=True):
        before = instant - timedelta(seconds=1)
        if screen_is_off(parts, before, tz) and not screen_is_off(parts, instant, tz):
            return instant
    return None

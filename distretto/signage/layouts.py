"""Screen layouts: which screen zones a totem's screen is made of, and where.

A layout is a list of screen zones, each a rectangle in percent of the screen
(``x``, ``y`` from the top left, ``w``, ``h``), keyed by what it shows:

- ``main``: the main playlist (every kind of content); exactly one per layout;
- ``info``: a side box with its own playlist (text, image, HTML card, live widgets);
- ``ticker``: a band of scrolling text, made of the text content aimed at it;
- ``clock``: the date and time in the district's time zone (no playlist).

Each key appears at most once, zones lie inside the screen and do not overlap.
Pure: no database; the built-in layouts below are also written to the database by
migration 0002 so that displays can point at them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

ZONE_KEYS = ("main", "info", "ticker", "clock")
PLAYLIST_ZONES = ("main", "info", "ticker")
# What each playlist zone can show (the main zone shows everything).
KINDS_FOR_ZONE = {
    "main": None,
    "info": {"text", "image", "html", "campaigns", "events", "date"},
    "ticker": {"text"},
}
FULL_SCREEN = {"landscape": "landscape-full", "portrait": "portrait-full"}


@dataclass(frozen=True)
class Zone:
    key: str
    x: float
    y: float
    w: float
    h: float

    def as_dict(self) -> dict:
        return {"key": self.key, "x": self.x, "y": self.y, "w": self.w, "h": self.h}

    def overlaps(self, other: Zone) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


BUILTIN = {
    # slug: (orientation, name, zones)
    "landscape-full": ("landscape", _("Full screen (landscape)"), [("main", 0, 0, 100, 100)]),
    "portrait-full": ("portrait", _("Full screen (portrait)"), [("main", 0, 0, 100, 100)]),
    "portrait-main-ticker-clock": (
        "portrait",
        _("Portrait: main, ticker and clock"),
        [("clock", 0, 0, 100, 8), ("main", 0, 8, 100, 84), ("ticker", 0, 92, 100, 8)],
    ),
    "landscape-main-side-ticker": (
        "landscape",
        _("Landscape: main, side box and ticker"),
        [
            ("main", 0, 0, 70, 88),
            ("clock", 70, 0, 30, 22),
            ("info", 70, 22, 30, 66),
            ("ticker", 0, 88, 100, 12),
        ],
    ),
}


def builtin_zones(slug: str) -> list[dict]:
    return [Zone(key, x, y, w, h).as_dict() for key, x, y, w, h in BUILTIN[slug][2]]


def layout_name(layout) -> str:
    """A built-in layout's name in the user's language, else its own name."""
    if layout.district_id is None and layout.slug in BUILTIN:
        return str(BUILTIN[layout.slug][1])
    return layout.name


def _number(value: object, index: int, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"zone {index}: {name} must be a number")
    if not 0 <= value <= 100:
        raise ValueError(f"zone {index}: {name} must be between 0 and 100")
    return float(value)


def parse_zones(raw: Iterable[dict]) -> tuple[Zone, ...]:
    """Validate a layout's zones (see the module rules); ValueError says what is wrong."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("a layout needs a list of zones")
    zones: list[Zone] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ValueError(f"zone {index} must be an object")
        key = item.get("key")
        if key not in ZONE_KEYS:
            raise ValueError(f"zone {index}: key is one of {', '.join(ZONE_KEYS)}")
        if any(zone.key == key for zone in zones):
            raise ValueError(f"zone {index}: {key} appears twice")
        x, y = _number(item.get("x"), index, "x"), _number(item.get("y"), index, "y")
        w, h = _number(item.get("w"), index, "w"), _number(item.get("h"), index, "h")
        if w <= 0 or h <= 0:
            raise ValueError(f"zone {index}: width and height must be above 0")
        if x + w > 100 or y + h > 100:
            raise ValueError(f"zone {index}: it goes past the edge of the screen")
        zone = Zone(key, x, y, w, h)
        clash = next((other for other in zones if zone.overlaps(other)), None)
        if clash is not None:
            raise ValueError(f"zone {index}: {key} overlaps {clash.key}")
        zones.append(zone)
    if not any(zone.key == "main" for zone in zones):
        raise ValueError("a layout needs a main zone")
    return tuple(zones)


def playlist_zones(zones: Iterable[dict]) -> tuple[str, ...]:
    """The zones of a layout that play a playlist, in the order of PLAYLIST_ZONES."""
    keys = {zone["key"] for zone in zones}
    return tuple(key for key in PLAYLIST_ZONES if key in keys)


def fits(kind: str, zone: str) -> bool:
    """Whether content of ``kind`` can play in a playlist ``zone``."""
    allowed = KINDS_FOR_ZONE.get(zone, set())
    return allowed is None or kind in allowed

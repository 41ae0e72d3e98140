"""Reading CAP 1.2 (OASIS Common Alerting Protocol, the format of public warning
systems) and deciding where an alert applies. Pure: no database.

- ``parse`` reads one ``<alert>`` in the CAP 1.2 namespace with a parser hardened
  against entity expansion and external entities (defusedxml), checks the elements
  the standard requires, and returns a ``CapMessage``; anything else raises
  ``CapError`` naming the element.
- ``info_for`` picks the ``<info>`` block to show (Italian first, then English, then
  the first).
- ``covers`` tells whether an info block's areas contain a point: a ``<polygon>``
  ("lat,lon lat,lon ...", the first and last pair equal) or a ``<circle>``
  ("lat,lon radius_km"); an area given only by ``<geocode>`` matches the district
  through its comune's ISTAT code (``geocodes``).
- ``references`` reads ``<references>`` ("sender,identifier,sent" separated by spaces).
- ``atom_links`` reads an Atom index of CAP documents (how many warning services
  publish them) for the polled feeds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from django.utils.dateparse import parse_datetime

from distretto.territory.geo import distance_km

NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
STATUSES = {"Actual", "Exercise", "System", "Test", "Draft"}
MSG_TYPES = {"Alert", "Update", "Cancel", "Ack", "Error"}
SCOPES = {"Public", "Restricted", "Private"}
SEVERITY_RANK = {"Extreme": 4, "Severe": 3, "Moderate": 2, "Minor": 1, "Unknown": 0}
URGENCY_RANK = {"Immediate": 4, "Expected": 3, "Future": 2, "Past": 1, "Unknown": 0}
MAX_BYTES = 1024 * 1024


class CapError(ValueError):
    """A document that is not acceptable CAP 1.2; ``field`` names the element."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Area:
    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[tuple[float, float, float], ...] = ()
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Info:
    language: str
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: tuple[tuple[str, str, str], ...] = ()
    infos: tuple[Info, ...] = field(default_factory=tuple)


def _text(parent, name: str) -> str:
    node = parent.find(f"{{{NS}}}{name}")
    return (node.text or "").strip() if node is not None else ""


def _required(parent, name: str, where: str) -> str:
    value = _text(parent, name)
    if not value:
        raise CapError(f"<{name}> is missing from <{where}>", field=f"{where}.{name}")
    return value


def _time(value: str, name: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        raise CapError(f"<{name}> is not a CAP date-time with its offset: {value!r}", field=name)
    return parsed


def _point(text: str, name: str) -> tuple[float, float]:
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise CapError(
            f"<{name}> has a point that is not 'lat,lon': {text!r}", field=name
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(f"<{name}> has a point off the globe: {text!r}", field=name)
    return lat, lon


def _polygon(text: str) -> tuple[tuple[float, float], ...]:
    points = tuple(_point(pair, "polygon") for pair in text.split())
    if len(points) < 4 or points[0] != points[-1]:
        raise CapError("<polygon> needs at least 4 points, the last equal to the first", "polygon")
    return points


def _circle(text: str) -> tuple[float, float, float]:
    try:
        centre, radius_text = text.split()
        radius = float(radius_text)
    except ValueError:
        raise CapError(f"<circle> is not 'lat,lon radius': {text!r}", field="circle") from None
    if radius < 0:
        raise CapError("<circle> has a negative radius", field="circle")
    lat, lon = _point(centre, "circle")
    return lat, lon, radius


def _areas(info) -> tuple[Area, ...]:
    areas = []
    for area in info.findall(f"{{{NS}}}area"):
        description = _required(area, "areaDesc", "area")
        polygons = tuple(_polygon((p.text or "").strip()) for p in area.findall(f"{{{NS}}}polygon"))
        circles = tuple(_circle((c.text or "").strip()) for c in area.findall(f"{{{NS}}}circle"))
        geocodes = tuple(
            (_text(g, "valueName"), _text(g, "value")) for g in area.findall(f"{{{NS}}}geocode")
        )
        areas.append(Area(description, polygons, circles, geocodes))
    return tuple(areas)


def _info(node) -> Info:
    for name in ("category", "event", "urgency", "severity", "certainty"):
        _required(node, name, "info")
    urgency, severity = _text(node, "urgency"), _text(node, "severity")
    if urgency not in URGENCY_RANK:
        raise CapError(f"<urgency> {urgency!r} is not a CAP urgency", field="info.urgency")
    if severity not in SEVERITY_RANK:
        raise CapError(f"<severity> {severity!r} is not a CAP severity", field="info.severity")
    return Info(
        language=_text(node, "language") or "en-US",
        event=_text(node, "event"),
        urgency=urgency,
        severity=severity,
        certainty=_text(node, "certainty"),
        headline=_text(node, "headline"),
        description=_text(node, "description"),
        instruction=_text(node, "instruction"),
        sender_name=_text(node, "senderName"),
        effective=_time(_text(node, "effective"), "effective"),
        onset=_time(_text(node, "onset"), "onset"),
        expires=_time(_text(node, "expires"), "expires"),
        areas=_areas(node),
    )


def references(text: str) -> tuple[tuple[str, str, str], ...]:
    """``<references>``: "sender,identifier,sent" triples separated by whitespace."""
    found = []
    for item in text.split():
        parts = item.split(",")
        if len(parts) != 3:
            raise CapError(
                f"<references> entry {item!r} is not sender,identifier,sent", "references"
            )
        found.append((parts[0], parts[1], parts[2]))
    return tuple(found)


def _root(document: bytes | str):
    if len(document) > MAX_BYTES:
        raise CapError("the document is larger than 1 MB")
    try:
        return ElementTree.fromstring(document, forbid_dtd=True)
    except DefusedXmlException:
        raise CapError("the document declares entities or a DTD, which CAP never needs") from None
    except ElementTree.ParseError as exc:
        raise CapError(f"the document is not well-formed XML ({exc})") from None


def parse(document: bytes | str) -> CapMessage:
    """One CAP 1.2 ``<alert>`` (see the module); CapError says what is wrong."""
    root = _root(document)
    if root.tag != f"{{{NS}}}alert":
        raise CapError(
            f"the root element must be <alert> in the CAP 1.2 namespace ({NS})", field="alert"
        )
    identifier = _required(root, "identifier", "alert")
    sender = _required(root, "sender", "alert")
    sent = _time(_required(root, "sent", "alert"), "sent")
    status = _required(root, "status", "alert")
    msg_type = _required(root, "msgType", "alert")
    scope = _required(root, "scope", "alert")
    if status not in STATUSES:
        raise CapError(f"<status> {status!r} is not a CAP status", field="alert.status")
    if msg_type not in MSG_TYPES:
        raise CapError(f"<msgType> {msg_type!r} is not a CAP message type", field="alert.msgType")
    if scope not in SCOPES:
        raise CapError(f"<scope> {scope!r} is not a CAP scope", field="alert.scope")
    refs = references(_text(root, "references"))
    if msg_type in {"Update", "Cancel"} and not refs:
        raise CapError(f"a {msg_type} message needs <references>", field="alert.references")
    infos = tuple(_info(node) for node in root.findall(f"{{{NS}}}info"))
    return CapMessage(identifier, sender, sent, status, msg_type, scope, refs, infos)


def info_for(message: CapMessage, languages: Iterable[str] = ("it", "en")) -> Info | None:
    """The info block to show: the first in a preferred language, else the first."""
    for wanted in languages:
        for info in message.infos:
            if info.language.lower().split("-")[0] == wanted:
                return info
    return message.infos[0] if message.infos else None


def in_polygon(lat: float, lon: float, polygon: tuple[tuple[float, float], ...]) -> bool:
    """Ray casting on the plane of latitude and longitude (fine at a town's scale)."""
    inside = False
    count = len(polygon)
    for index in range(count - 1):
        (lat1, lon1), (lat2, lon2) = polygon[index], polygon[index + 1]
        if (lon1 > lon) != (lon2 > lon):
            crossing = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < crossing:
                inside = not inside
    return inside


def covers(info: Info, lat: float, lon: float) -> bool:
    """Whether an area of ``info`` with a polygon or a circle contains the point."""
    for area in info.areas:
        if any(in_polygon(lat, lon, polygon) for polygon in area.polygons):
            return True
        if any(
            distance_km(lat, lon, c_lat, c_lon) <= radius for c_lat, c_lon, radius in area.circles
        ):
            return True
    return False


def has_shapes(info: Info) -> bool:
    return any(area.polygons or area.circles for area in info.areas)


def geocodes(info: Info) -> set[str]:
    """The ISTAT codes of the areas given by geocode (valueName naming ISTAT)."""
    return {
        value.strip()
        for area in info.areas
        for name, value in area.geocodes
        if "ISTAT" in name.upper() and value.strip()
    }


def atom_links(document: bytes | str) -> list[str] | None:
    """The CAP documents an Atom feed lists (entry links, the CAP ones first), or None
    when the document is not an Atom feed."""
    root = _root(document)
    if root.tag != f"{{{ATOM}}}feed":
        return None
    links = []
    for entry in root.findall(f"{{{ATOM}}}entry"):
        candidates = entry.findall(f"{{{ATOM}}}link")
        chosen = [
            link.get("href")
            for link in candidates
            if "cap" in (link.get("type") or "") or (link.get("href") or "").endswith(".xml")
        ] or [link.get("href") for link in candidates if link.get("rel") in (None, "alternate")]
        links += [href for href in chosen[:1] if href]
    return links

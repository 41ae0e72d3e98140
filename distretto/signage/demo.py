"""Demo data: Cuneo's totems in two zones, with layouts (the portrait totems with
ticker and clock, Piazza Galimberti with a side box), a week of scheduled content from
the district and several shops (main zone, ticker, side box), one pending proposal,
upcoming events, screen-off hours at the station, a CAP alert feed of the civil
protection, and a week of proof of play. Deterministic (dates relative to this week's
Monday in Rome) and idempotent (natural keys: names and titles)."""

from __future__ import annotations

import io
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from distretto.accounts import tokens
from distretto.accounts.models import ApiToken
from distretto.signage import alerts, proof, services
from distretto.signage.models import (
    AlertFeed,
    Content,
    Display,
    DisplayGroup,
    Event,
    MediaAsset,
)
from distretto.territory.models import Business, District

ROME = ZoneInfo("Europe/Rome")
CENTRE, STATION = "Centro storico", "Stazione"
# The first totem's token is fixed so that the demo can print its player link.
DEMO_TOTEM_TOKEN = "dst_demo_totem-piazza-galimberti"
# What `distretto demo` prints as the way in.
DEMO_LINKS = [("totems", "/signage/"), ("totem player", f"/player/#token={DEMO_TOTEM_TOKEN}")]

TOTEMS = [
    # name, zone, (lat, lon), orientation, layout (None: full screen)
    ("Piazza Galimberti", CENTRE, (44.38935, 7.54790), "landscape", "landscape-main-side-ticker"),
    ("Via Roma - Municipio", CENTRE, (44.39210, 7.54900), "portrait", "portrait-main-ticker-clock"),
    ("Contrada Mondovì", CENTRE, (44.39380, 7.55000), "portrait", "portrait-main-ticker-clock"),
    ("Stazione FS", STATION, (44.38350, 7.54190), "landscape", None),
    ("Movicentro", STATION, (44.38420, 7.54310), "landscape", None),
]
# The station's totems are switched off at night.
NIGHT = [{"weekdays": [0, 1, 2, 3, 4, 5, 6], "start": "01:00", "end": "05:00"}]

WEEKDAYS = [0, 1, 2, 3, 4]
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def _week_start() -> datetime:
    """Monday 00:00 (Rome) of the current week: the anchor of every demo date."""
    today = timezone.localdate(timezone=ROME)
    monday = today - timedelta(days=today.weekday())
    return datetime.combine(monday, time(0), tzinfo=ROME)


def _display(
    district: District, name: str, zone: str, position, orientation: str, layout: str | None
) -> Display:
    display, _created = Display.objects.update_or_create(
        district=district,
        name=name,
        defaults={
            "lat": position[0],
            "lon": position[1],
            "orientation": orientation,
            "resolution": "1080x1920" if orientation == "portrait" else "1920x1080",
            "tags": ["outdoor"] if zone == STATION else ["centro"],
            "layout": services.builtin_layouts()[layout] if layout else None,
            "screen_off": NIGHT if zone == STATION else [],
        },
    )
    group, _created = DisplayGroup.objects.get_or_create(district=district, name=zone)
    display.groups.set([group])
    return display


def _demo_token(display: Display, raw: str) -> None:
    if not tokens.device_tokens(display).filter(token_hash=tokens.digest(raw)).exists():
        ApiToken.objects.create(
            kind=ApiToken.Kind.DISPLAY,
            name=f"Totem {display.name}",
            prefix="demo",
            token_hash=tokens.digest(raw),
            device_type_id=_display_type_id(),
            device_id=display.pk,
        )


def _display_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Display).pk


def _poster(district: District) -> MediaAsset:
    """A generated poster for the autumn fair (no download)."""
    existing = MediaAsset.objects.filter(district=district, name="locandina-fiera.png").first()
    if existing is not None:
        return existing
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1280, 720), "#7b3f00")
    draw = ImageDraw.Draw(image)
    for index in range(12):
        draw.ellipse((80 + index * 95, 430, 150 + index * 95, 500), fill="#d98c3a")
    draw.rectangle((60, 60, 1220, 360), outline="#f5deb3", width=8)
    draw.text((100, 120), "FIERA DEL COMMERCIO", fill="#f5deb3", font_size=80)
    draw.text((100, 240), "Cuneo - Piazza Galimberti", fill="#ffffff", font_size=56)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    upload = SimpleUploadedFile("locandina-fiera.png", buffer.getvalue(), "image/png")
    return services.store_media(district, upload)


def _content(district: District, title: str, *, groups=(), business=None, **fields) -> Content:
    """Create or align one demo content; saved only when something differs, so that a
    second run leaves even ``updated_at`` alone."""
    fields = {"status": Content.Status.APPROVED, "kind": Content.Kind.TEXT, **fields}
    fields["business"] = business
    content = Content.objects.filter(district=district, title=title).first()
    if content is None:
        content = Content.objects.create(district=district, title=title, **fields)
    elif any(getattr(content, name) != value for name, value in fields.items()):
        for name, value in fields.items():
            setattr(content, name, value)
        content.save()
    wanted = set(DisplayGroup.objects.filter(district=district, name__in=groups))
    if set(content.target_groups.all()) != wanted:
        content.target_groups.set(wanted)
    return content


def seed() -> None:
    district = District.objects.get(slug="cuneo")
    shops = {b.name: b for b in Business.objects.filter(district=district)}
    manager = get_user_model().objects.filter(username="gestore.cuneo").first()
    displays = [_display(district, *totem) for totem in TOTEMS]
    _demo_token(displays[0], DEMO_TOTEM_TOKEN)

    monday = _week_start()
    week_end = monday + timedelta(days=7)
    poster = _poster(district)
    reviewed = {"reviewed_by": manager, "reviewed_at": monday, "created_by": manager}
    contents = [
        _content(district, "Data e ora", kind="date", duration_s=8, valid_from=monday, **reviewed),
        _content(
            district,
            "Eventi in città",
            kind="events",
            duration_s=12,
            valid_from=monday,
            **reviewed,
        ),
        _content(
            district,
            "Benvenuti nel Distretto del Commercio di Cuneo",
            body="Oltre 100 negozi sotto i portici più lunghi d'Italia.",
            groups=[CENTRE],
            duration_s=10,
            valid_from=monday,
            valid_until=week_end,
            **reviewed,
        ),
        _content(
            district,
            "Navetta gratuita per il centro",
            body="Ogni 15 minuti dal piazzale della stazione a Piazza Galimberti.",
            groups=[STATION],
            background="#1a4f8b",
            duration_s=10,
            valid_from=monday,
            valid_until=week_end,
            dayparts=[{"weekdays": [0, 1, 2, 3, 4, 5], "start": "06:00", "end": "21:00"}],
            priority=Content.Priority.HIGH,
            **reviewed,
        ),
        _content(
            district,
            "Fiera del commercio",
            kind="image",
            media=poster,
            duration_s=10,
            valid_from=monday,
            valid_until=week_end,
            **reviewed,
        ),
        _content(
            district,
            "Colazione al Caffè Galimberti",
            business=shops.get("Caffè Galimberti"),
            body="Cappuccino e brioche 2,50 € fino alle 10:30.",
            background="#5d4037",
            groups=[CENTRE],
            duration_s=8,
            valid_from=monday,
            valid_until=week_end,
            dayparts=[{"weekdays": WEEKDAYS, "start": "07:00", "end": "10:30"}],
            **reviewed,
        ),
        _content(
            district,
            "Aperitivo in osteria",
            business=shops.get("Osteria della Chiocciola"),
            body="Dal giovedì al sabato, calici di Langhe e Roero con stuzzichini.",
            background="#6a1b4d",
            duration_s=8,
            valid_from=monday,
            valid_until=week_end,
            dayparts=[{"weekdays": [3, 4, 5], "start": "18:00", "end": "21:00"}],
            **reviewed,
        ),
        _content(
            district,
            "Saldi di fine stagione",
            business=shops.get("Boutique Contrada Mondovì"),
            body="-30% su tutta la collezione, solo nel fine settimana.",
            background="#b23a48",
            groups=[CENTRE],
            duration_s=8,
            valid_from=monday + timedelta(days=4),
            valid_until=week_end,
            **reviewed,
        ),
        _content(
            district,
            "Libri di montagna: incontro con l'autore",
            business=shops.get("Libreria Via Roma"),
            body="Mercoledì alle 18 in libreria.",
            background="#2e4a3f",
            duration_s=8,
            valid_from=monday,
            valid_until=monday + timedelta(days=2, hours=19),
            dayparts=[{"weekdays": EVERY_DAY, "start": "09:00", "end": "19:30"}],
            **reviewed,
        ),
    ]
    _content(
        district,
        "Degustazione di cioccolato cuneese",
        business=shops.get("Caffè Galimberti"),
        body="Sabato pomeriggio: i Cuneesi al rum e le praline della casa.",
        background="#4e342e",
        groups=[CENTRE],
        duration_s=8,
        valid_from=monday + timedelta(days=5),
        valid_until=week_end,
        status=Content.Status.PENDING,
    )
    for title, zone_key, body in [
        ("Mercato del sabato in Piazza Seminario dalle 8 alle 13", "ticker", ""),
        ("Parcheggio gratuito in Piazza della Costituzione il sabato pomeriggio", "ticker", ""),
        ("Ufficio turistico ATL", "info", "Via Vittorio Amedeo II 8\nAperto tutti i giorni 9-18"),
    ]:
        _content(
            district,
            title,
            body=body,
            zone=zone_key,
            duration_s=12,
            valid_from=monday,
            **reviewed,
        )
    _alert_feed(district)
    for days, hour, title, place in [
        (2, 21, "Concerto in Piazza Galimberti", "Piazza Galimberti"),
        (5, 8, "Mercato del sabato", "Piazza Seminario"),
        (5, 19, "Notte bianca del commercio", "Via Roma"),
        (9, 10, "Visita guidata ai portici", "Ufficio turistico ATL"),
    ]:
        Event.objects.update_or_create(
            district=district,
            title=title,
            defaults={"place": place, "starts_at": monday + timedelta(days=days, hours=hour)},
        )
    _proof_of_play(displays, contents)


def _alert_feed(district: District) -> None:
    """The civil protection's CAP feed, posting with its own token (not printed: a
    manager issues a new one on the Alerts page)."""
    if not AlertFeed.objects.filter(district=district).exists():
        alerts.create_feed(district, {"name": "Protezione civile Piemonte"})


def _proof_of_play(displays: list[Display], contents: list[Content]) -> None:
    """A week of plays before today, reported as the players do (so that the daily
    aggregates follow; a second run finds every record stored)."""
    rng = random.Random(4)
    today = datetime.combine(timezone.localdate(timezone=ROME), time(0), tzinfo=ROME)
    for display in displays:
        records = []
        for day in range(1, 8):
            start = today - timedelta(days=day) + timedelta(hours=8)
            for slot in range(12):
                content = contents[rng.randrange(len(contents))]
                records.append(
                    {
                        "id": f"demo-{display.pk}-{day}-{slot}",
                        "content": content.pk,
                        "started_at": (start + timedelta(minutes=55 * slot)).isoformat(),
                        "duration_s": float(content.duration_s),
                    }
                )
        proof.record_plays(display, records)

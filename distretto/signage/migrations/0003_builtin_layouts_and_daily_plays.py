"""The built-in layouts, and the daily aggregates of the plays already recorded."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import migrations

BUILTIN = {
    "landscape-full": ("landscape", "Full screen (landscape)", [("main", 0, 0, 100, 100)]),
    "portrait-full": ("portrait", "Full screen (portrait)", [("main", 0, 0, 100, 100)]),
    "portrait-main-ticker-clock": (
        "portrait",
        "Portrait: main, ticker and clock",
        [("clock", 0, 0, 100, 8), ("main", 0, 8, 100, 84), ("ticker", 0, 92, 100, 8)],
    ),
    "landscape-main-side-ticker": (
        "landscape",
        "Landscape: main, side box and ticker",
        [
            ("main", 0, 0, 70, 88),
            ("clock", 70, 0, 30, 22),
            ("info", 70, 22, 30, 66),
            ("ticker", 0, 88, 100, 12),
        ],
    ),
}


def create_layouts(apps, schema_editor):
    Layout = apps.get_model("signage", "Layout")
    for slug, (orientation, name, zones) in BUILTIN.items():
        Layout.objects.update_or_create(
            district=None,
            slug=slug,
            defaults={
                "name": name,
                "orientation": orientation,
                "zones": [
                    {"key": key, "x": float(x), "y": float(y), "w": float(w), "h": float(h)}
                    for key, x, y, w, h in zones
                ],
            },
        )


def remove_layouts(apps, schema_editor):
    apps.get_model("signage", "Layout").objects.filter(district=None).delete()


def aggregate_plays(apps, schema_editor):
    PlayRecord = apps.get_model("signage", "PlayRecord")
    PlayDaily = apps.get_model("signage", "PlayDaily")
    totals = defaultdict(lambda: [0, 0.0])
    facts = {}
    records = PlayRecord.objects.select_related("display__district").order_by("pk")
    for record in records.iterator(chunk_size=5000):
        district = record.display.district
        day = record.started_at.astimezone(ZoneInfo(district.time_zone or "Europe/Rome")).date()
        key = (day, record.display_id, record.content_id)
        totals[key][0] += 1
        totals[key][1] += record.duration_s
        facts[key] = (district.pk, record.display.name, record.content_title, record.business_id)
    PlayDaily.objects.bulk_create(
        [
            PlayDaily(
                day=day,
                display_id=display_id,
                content_id=content_id,
                district_id=facts[key][0],
                display_name=facts[key][1],
                content_title=facts[key][2],
                business_id=facts[key][3],
                plays=plays,
                seconds=seconds,
            )
            for key, (plays, seconds) in totals.items()
            for day, display_id, content_id in [key]
        ],
        batch_size=2000,
    )


def remove_aggregates(apps, schema_editor):
    apps.get_model("signage", "PlayDaily").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("signage", "0002_layouts_commands_alerts_proof")]

    operations = [
        migrations.RunPython(create_layouts, remove_layouts),
        migrations.RunPython(aggregate_plays, remove_aggregates),
    ]

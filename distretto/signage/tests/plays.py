"""Many raw plays written by the database itself (the million-play test and
``bench/signage_report.py``): one every 10 s from ``start``, spread round-robin over
the displays and contents."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection

from distretto.signage.models import PlayRecord


def generate_plays(displays, contents, count: int, start: datetime) -> None:
    table = PlayRecord._meta.db_table
    d = [x.pk for x in displays]
    c = [(x.pk, x.title.replace("'", "''")) for x in contents]
    display_case = " ".join(f"WHEN {i} THEN {pk}" for i, pk in enumerate(d))
    content_case = " ".join(f"WHEN {i} THEN {pk}" for i, (pk, _t) in enumerate(c))
    title_case = " ".join(f"WHEN {i} THEN '{t}'" for i, (_pk, t) in enumerate(c))
    columns = (
        f"INSERT INTO {table} (display_id, record_id, content_id, business_id, "
        "content_title, started_at, duration_s, received_at) "
    )
    pick = (
        f"CASE i % {len(d)} {display_case} END, 'g' || i, "
        f"CASE i % {len(c)} {content_case} END, NULL, CASE i % {len(c)} {title_case} END"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            modulo = pick.replace("%", "%%")  # psycopg reads a lone % as a placeholder
            cursor.execute(
                columns + f"SELECT {modulo}, %s::timestamptz + i * interval '10 seconds', "
                f"10.0, now() FROM generate_series(0, {count - 1}) AS i",
                [start],
            )
        else:
            begin = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            cursor.execute(
                columns + "WITH RECURSIVE n(i) AS "
                f"(SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {count - 1}) "
                f"SELECT {pick}, datetime('{begin}', '+' || (i * 10) || ' seconds'), 10.0, "
                "datetime('now') FROM n"
            )

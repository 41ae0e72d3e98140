"""Backups that restore: ``distretto backup PATH`` and ``distretto restore PATH``.

A backup is a directory holding

- the database: ``database.sqlite3`` (SQLite's online backup API: a consistent copy
  taken while the server goes on writing) or ``database.pgdump`` (``pg_dump``'s
  custom format, taken in an exported snapshot);
- ``media.tar``: the uploaded media folder (``MEDIA_ROOT``);
- ``manifest.json``: when and from what it was made, the migrations applied (the
  schema version), the rows of every table, a checksum of the points ledger
  (``loyalty.services.ledger_checksum``) and the SHA-256 of each file. Counts and
  checksum are read from the same snapshot as the copy, so they describe exactly
  what was saved.

``restore`` checks the files against the manifest, refuses a backup whose schema
(migration state) differs from this installation's, refuses a target that already
holds data unless ``force``, restores database and media, and then reads the counts
and the ledger checksum back from the restored database: a restore that does not
reproduce them fails loudly.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from distretto.loyalty.services import ledger_checksum

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
# What restore reads from a manifest.
MANIFEST_KEYS = ("engine", "database_file", "migrations", "row_counts", "ledger", "files")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- What a database holds ------------------------------------------------------------------


def table_names() -> list[str]:
    """Every table of the installed models (many-to-many tables included)."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def row_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


def code_migrations() -> set[str]:
    """The migrations this installation's code defines (its schema version)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.graph.nodes}


def describe(cursor) -> dict:
    """Migrations, row counts and ledger checksum, read through ``cursor``."""
    return {
        "migrations": applied_migrations(cursor),
        "row_counts": row_counts(cursor, table_names()),
        "ledger": ledger_checksum(cursor),
    }


def schema_difference(migrations: list[str]) -> str | None:
    """Why a database with ``migrations`` applied is not at this code's schema, or None."""
    ours = code_migrations()
    theirs = set(migrations)
    known_apps = {name.split(".", 1)[0] for name in ours}
    missing = sorted(ours - theirs)
    unknown = sorted(m for m in theirs - ours if m.split(".", 1)[0] in known_apps)
    if not missing and not unknown:
        return None
    parts = []
    if missing:
        parts.append(
            f"it lacks {len(missing)} migration(s) of this version ({', '.join(missing[:5])})"
        )
    if unknown:
        parts.append(f"it has {len(unknown)} this version does not know ({', '.join(unknown[:5])})")
    return "; ".join(parts)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- Backup ---------------------------------------------------------------------------------


def backup(target: Path) -> dict:
    """Write a backup of the configured database and the media folder into the new
    directory ``target``; return the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} exists and is not empty: give a new directory.")
    target.mkdir(parents=True, exist_ok=True)
    try:
        if connection.vendor == "sqlite":
            database_file, facts = _backup_sqlite(target / SQLITE_FILE)
        elif connection.vendor == "postgresql":
            database_file, facts = _backup_postgres(target / PG_FILE)
        else:
            raise BackupError(f"No backup for the {connection.vendor} database engine.")
        _tar_media(target / MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": connection.vendor,
            "database_file": database_file.name,
            **facts,
            "files": {
                path.name: {"bytes": path.stat().st_size, "sha256": sha256_of(path)}
                for path in (database_file, target / MEDIA)
            },
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return manifest


def _backup_sqlite(destination: Path) -> tuple[Path, dict]:
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=30)
    try:
        copy = sqlite3.connect(destination)
        try:
            # One step (pages=-1): the copy is a single read transaction, so it is a
            # consistent snapshot; writers go on meanwhile (WAL).
            source.backup(copy, pages=-1)
            facts = describe(copy.cursor())
        finally:
            copy.close()
    finally:
        source.close()
    return destination, facts


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """libpq connection options and environment for the configured PostgreSQL."""
    db = settings.DATABASES["default"]
    args = ["--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not installed: install PostgreSQL's client tools "
            "(Debian: apt-get install postgresql-client), of the server's major version."
        )
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


def _backup_postgres(destination: Path) -> tuple[Path, dict]:
    args, env = _pg_environment()
    name = settings.DATABASES["default"]["NAME"]
    with _snapshot() as (snapshot, cursor):
        _run(
            [
                "pg_dump",
                *args,
                "--format=custom",
                f"--snapshot={snapshot}",
                "--no-owner",
                f"--file={destination}",
                name,
            ],
            env,
        )
        facts = describe(cursor)
    return destination, facts


@contextmanager
def _snapshot() -> Iterator[tuple[str, object]]:
    """A REPEATABLE READ transaction on a connection of its own, its snapshot exported
    so that ``pg_dump`` sees exactly what this transaction reads."""
    import psycopg

    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
    ) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor = conn.cursor()
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0], cursor
        conn.rollback()


def _tar_media(destination: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(destination, "w") as archive:
        if media.is_dir():
            for path in sorted(media.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=str(path.relative_to(media)))


# --- Restore --------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} is not a Distretto backup: it has no {MANIFEST}.") from None
    except ValueError as error:
        raise BackupError(f"{source / MANIFEST} is damaged: {error}.") from None
    if not isinstance(manifest, dict):
        raise BackupError(f"{source / MANIFEST} is damaged: it is not a manifest.")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Backup format {manifest.get('format')!r} is not {FORMAT}.")
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise BackupError(f"{source / MANIFEST} is damaged: it lacks {', '.join(missing)}.")
    for name, expected in manifest["files"].items():
        path = source / name
        if not path.exists():
            raise BackupError(f"{path} is missing from the backup.")
        if sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{path} does not match its checksum: the backup is damaged.")
    return manifest


def check_schema(manifest: dict) -> None:
    difference = schema_difference(manifest["migrations"])
    if difference:
        raise BackupError(
            f"This backup was made by another version of Distretto (another schema): "
            f"{difference}. Restore it with the version that made it, then upgrade "
            "with `distretto migrate`."
        )


def restore(source: Path, *, force: bool = False) -> dict:
    """Restore the backup in ``source`` into the configured database and media folder;
    return what the restored database holds (equal to the manifest's figures)."""
    source = Path(source)
    manifest = read_manifest(source)
    check_schema(manifest)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"This is a {manifest['engine']} backup; the configured database is "
            f"{connection.vendor}. Set DATABASE_URL to a {manifest['engine']} database."
        )
    if not force:
        _require_empty_target()
    connections.close_all()
    if connection.vendor == "sqlite":
        _restore_sqlite(source / manifest["database_file"])
    else:
        _restore_postgres(source / manifest["database_file"], clean=force)
    _restore_media(source / MEDIA, force=force)
    with connection.cursor() as cursor:
        found = describe(cursor)
    for key in ("row_counts", "ledger"):
        if found[key] != manifest[key]:
            raise BackupError(f"The restored database does not match the manifest's {key}.")
    return found


def _require_empty_target() -> None:
    existing = set(connection.introspection.table_names())
    if "django_migrations" in existing:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations")
            if cursor.fetchone()[0]:
                raise BackupError(
                    "The configured database already holds a Distretto schema: restore into "
                    "a new, empty database, or give --force to replace everything in it."
                )
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(
            f"The media folder {media} is not empty: point MEDIA_ROOT to an empty folder, "
            "or give --force to replace it."
        )


def _restore_sqlite(backup_file: Path) -> None:
    target = Path(settings.DATABASES["default"]["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkstemp(dir=target.parent, suffix=".restoring")[1])
    try:
        source = sqlite3.connect(backup_file)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=-1)
        finally:
            copy.close()
            source.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _restore_postgres(dump: Path, *, clean: bool) -> None:
    args, env = _pg_environment()
    options = ["--clean", "--if-exists"] if clean else []
    _run(
        [
            "pg_restore",
            *args,
            *options,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(dump),
        ],
        env,
    )


def _restore_media(archive_path: Path, *, force: bool) -> None:
    media = Path(settings.MEDIA_ROOT)
    if force and media.is_dir():
        shutil.rmtree(media)
    media.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        archive.extractall(media, filter="data")

"""``distretto backup`` and ``distretto restore``: a backup taken from a running server
under load restores into a fresh database with the same rows and the same ledger; a
backup of another schema, a damaged one, or a target holding data are refused."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from distretto.core import backup
from distretto.loyalty import services
from distretto.loyalty.services import ledger_checksum
from distretto.loyalty.tests.test_concurrency import HttpTill, in_parallel
from distretto.testing import PROJECT, server_env

pytestmark = pytest.mark.django_db(transaction=True)


def distretto(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "distretto", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


class FreshDatabase:
    """A new, empty database of the test database's engine, dropped afterwards."""

    def __init__(self, directory: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = directory / "restored.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            db = connection.settings_dict
            self.name = f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}"
            self.host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            self.url = f"postgres://{db['USER'] or 'postgres'}@{self.host}/{self.name}"
            self._admin(f'CREATE DATABASE "{self.name}"')

    def _admin(self, statement: str) -> None:
        import psycopg

        db = connection.settings_dict
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"] or "postgres",
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(statement)

    def describe(self) -> dict:
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path) as restored:
                return backup.describe(restored.cursor())
        import psycopg

        host, port = self.host.split(":")
        user = connection.settings_dict["USER"] or "postgres"
        with psycopg.connect(host=host, port=port, user=user, dbname=self.name) as restored:
            return backup.describe(restored.cursor())

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def movements() -> int:
    with connection.cursor() as cursor:
        return ledger_checksum(cursor)["transactions"]


@pytest.fixture
def fresh(tmp_path):
    database = FreshDatabase(tmp_path)
    yield database
    database.drop()


@pytest.fixture
def program(actors):
    return services.create_program(
        actors.district,
        {"name": "Carta Lodi", "point_value": Decimal("0.01"), "earn_rate": Decimal("1.00")},
    )


def test_a_backup_of_a_server_under_load_restores_with_the_same_rows_and_ledger(
    actors, program, start_server, fresh, tmp_path
):
    media = tmp_path / "media"
    (media / "signage").mkdir(parents=True)
    (media / "signage" / "poster.png").write_bytes(b"\x89PNG not really" * 100)
    cards = [services.issue_card(program)[0] for _ in range(8)]
    server = start_server({"MEDIA_ROOT": str(media)})
    tills = [HttpTill(server.url, shop) for shop in (actors.shop, actors.other_shop)]
    stop = threading.Event()
    posted: list[int] = []

    def keep_selling(index: int):
        def sell():
            count = 0
            while not stop.is_set():
                body = {"card": cards[index].number, "kind": "earn", "amount": "3.00"}
                status, _answer = tills[index % 2].post(body, f"load-{index}-{count}")
                assert status == 201
                count += 1
            posted.append(count)

        return sell

    load = threading.Thread(target=lambda: in_parallel([keep_selling(i) for i in range(8)], 8))
    load.start()
    try:
        # Wait for the tills to be busy, then back up while they keep selling.
        while movements() < 40:
            time.sleep(0.05)
        with override_settings(MEDIA_ROOT=media):
            manifest = backup.backup(tmp_path / "backup")
        during = movements()
    finally:
        stop.set()
        load.join(120)
    after = movements()
    saved = manifest["ledger"]["transactions"]
    assert after == sum(posted) > saved >= 40, "the tills kept selling during the backup"
    print(
        f"\nbackup under load: {saved} of {after} till movements in the backup "
        f"({during} when it ended), {sum(manifest['row_counts'].values())} rows"
    )

    restored_media = tmp_path / "restored-media"
    env = server_env({"DATABASE_URL": fresh.url, "MEDIA_ROOT": str(restored_media)})
    done = distretto("restore", str(tmp_path / "backup"), env=env)
    assert done.returncode == 0, done.stderr

    found = fresh.describe()
    assert found["row_counts"] == manifest["row_counts"]
    assert found["ledger"] == manifest["ledger"]
    assert found["ledger"]["points_sum"] == 0  # balanced
    # The snapshot is consistent: the cards' kept balances are the sum of their entries,
    # 3 points for each movement saved.
    assert found["ledger"]["card_balances"] == 3 * saved
    assert (restored_media / "signage" / "poster.png").read_bytes() == (
        media / "signage" / "poster.png"
    ).read_bytes()


@pytest.fixture
def made_backup(actors, program, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    card = services.issue_card(program)[0]
    services.earn(card, actors.shop, Decimal("10.00"))
    backup.backup(tmp_path / "backup")
    return tmp_path / "backup"


def test_a_backup_of_another_schema_version_is_refused_with_a_clear_message(made_backup):
    manifest_file = made_backup / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["migrations"] = [m for m in manifest["migrations"] if not m.startswith("loyalty.")]
    manifest["migrations"].append("loyalty.0099_from_the_future")
    manifest_file.write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupError) as refused:
        backup.restore(made_backup)
    message = str(refused.value)
    assert "another version of Distretto" in message
    assert "loyalty.0099_from_the_future" in message and "loyalty.0001_initial" in message


def test_a_damaged_backup_is_refused(made_backup):
    database_file = next(made_backup.glob("database.*"))
    with database_file.open("r+b") as damaged:
        damaged.seek(200)
        damaged.write(b"\xff\xfe")
    with pytest.raises(backup.BackupError, match="does not match its checksum"):
        backup.restore(made_backup)


@pytest.mark.parametrize("damage", ["[]", '{"format": 1}', "drop files"])
def test_a_damaged_manifest_is_refused_with_a_message(made_backup, damage):
    manifest_file = made_backup / "manifest.json"
    if damage == "drop files":
        manifest = json.loads(manifest_file.read_text())
        del manifest["files"]
        damage = json.dumps(manifest)
    manifest_file.write_text(damage)
    with pytest.raises(backup.BackupError, match="is damaged"):
        backup.restore(made_backup)


def test_restore_refuses_a_database_that_holds_data_unless_forced(made_backup, tmp_path):
    with pytest.raises(backup.BackupError, match="already holds a Distretto schema"):
        backup.restore(made_backup)


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path, db):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup(tmp_path / "old")
    assert (tmp_path / "old" / "something").exists()


def test_the_ledger_checksum_changes_with_any_entry(actors, program):
    card = services.issue_card(program)[0]
    services.earn(card, actors.shop, Decimal("10.00"))
    with connection.cursor() as cursor:
        first = ledger_checksum(cursor)
        services.earn(card, actors.shop, Decimal("1.00"))
        second = ledger_checksum(cursor)
    assert first["sha256"] != second["sha256"]
    assert second["entries"] > first["entries"] and second["points_sum"] == 0

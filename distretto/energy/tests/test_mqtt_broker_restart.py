"""The MQTT ingester survives a broker restart, against a private Mosquitto of its own.

Each test starts its own ``mosquitto`` on a free 127.0.0.1 port with persistence in
a temporary directory, so that it can stop and restart the broker without touching
the shared one on 1883. On SIGTERM Mosquitto writes its persistence file, which holds
the ingester's persistent session: its subscription and the QoS 1 messages queued for
it. The ingester runs in a thread; the test waits on its counters with bounded polls.

The fault test at the end goes further: the broker, configured durable, is killed -9,
and so is the ingestion worker (``distretto mqtt-ingest`` as a process of its own),
while a gateway publishes at QoS 1; every telegram the broker acknowledged must end
up stored exactly once.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import connections

from distretto.energy.models import Reading
from distretto.energy.mqtt import MqttIngester
from distretto.testing import PROJECT, server_env

pytestmark = pytest.mark.django_db(transaction=True)

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
# Generous: the machine running the suite is small and shared.
TIMEOUT = 15.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateBroker:
    """A Mosquitto process that can be stopped and started again on the same port.

    ``durable``: the settings of the README's deployment section, under which an
    acknowledged message survives even SIGKILL: the state is saved after every change
    (``autosave_on_changes`` makes ``autosave_interval`` count changes, not seconds).
    """

    def __init__(self, directory: Path, *, durable: bool = False) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.config = directory / "mosquitto.conf"
        self.log = directory / "mosquitto.log"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            # Running as root, Mosquitto would otherwise switch to a user that
            # cannot write the temporary directory.
            "user root\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            + ("autosave_interval 1\nautosave_on_changes true\n" if durable else "")
        )
        self.process: subprocess.Popen | None = None

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.5):
                return True
        except OSError:
            return False

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.config)], stdout=log, stderr=subprocess.STDOUT
            )
        wait_for(lambda: self._accepts() or self.process.poll() is not None, "Mosquitto to listen")
        if self.process.poll() is not None:
            raise AssertionError(f"Mosquitto exited:\n{self.log.read_text()}")

    def stop(self) -> None:
        """Stop cleanly: on SIGTERM Mosquitto saves its sessions and queued messages."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(TIMEOUT)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """Kill -9: no chance to save anything on the way out."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)
        self.process = None


@contextmanager
def private_broker(*, durable: bool = False) -> Iterator[PrivateBroker]:
    if not (os.path.exists(MOSQUITTO) and os.access(MOSQUITTO, os.X_OK)):
        reason = f"Mosquitto not found at {MOSQUITTO}"
        if settings.DISTRETTO_REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {reason}")
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="distretto-mosquitto-"))
    private = PrivateBroker(directory, durable=durable)
    try:
        private.start()
        yield private
    finally:
        private.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def broker() -> Iterator[PrivateBroker]:
    with private_broker() as private:
        yield private


@pytest.fixture
def durable_broker() -> Iterator[PrivateBroker]:
    with private_broker(durable=True) as private:
        yield private


def publish(url: str, topic: str, payloads: list[bytes]) -> None:
    """Publish with QoS 1 and wait for each PUBACK: the broker has stored the message."""
    port = int(url.rsplit(":", 1)[1])
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex}")
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        for payload in payloads:
            info = client.publish(topic, payload, qos=1)
            info.wait_for_publish(TIMEOUT)
            assert info.is_published()
    finally:
        client.disconnect()
        client.loop_stop()


def telegram(hour: int) -> bytes:
    """A wmbusmeters heat meter telegram for the ``heat_meter`` fixture."""
    return json.dumps(
        {
            "media": "heat",
            "meter": "kamheat",
            "id": "87654321",
            "total_energy_consumption_kwh": 1000 + 10 * hour,
            "timestamp": f"2026-01-05T{hour:02d}:00:00Z",
        }
    ).encode()


@contextmanager
def running(ingester: MqttIngester) -> Iterator[MqttIngester]:
    """Run the ingester in a thread until the block ends; re-raise what it raised."""
    stop = threading.Event()
    errors: list[BaseException] = []

    def main() -> None:
        try:
            ingester.run(stop=stop)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=main, name="mqtt-ingest", daemon=True)
    thread.start()
    try:
        yield ingester
    finally:
        stop.set()
        thread.join(TIMEOUT + ingester.flush_seconds)
    assert not thread.is_alive(), "the ingester did not stop"
    if errors:
        raise errors[0]


def stored_hours(meter) -> list[int]:
    stamps = Reading.objects.filter(meter=meter).values_list("ts", flat=True)
    return sorted(ts.hour for ts in stamps)


def test_the_ingester_reconnects_and_resubscribes_after_a_broker_restart(broker, heat_meter):
    topic = f"test/{uuid.uuid4().hex}/wmbusmeters"
    ingester = MqttIngester(broker.url, topic, client_id="ingest-restart", flush_seconds=0.2)

    with running(ingester):
        wait_for(ingester.subscribed.is_set, "the first subscription")
        publish(broker.url, topic, [telegram(h) for h in range(0, 8)])
        wait_for(lambda: ingester.stats.accepted >= 8, "the readings before the restart")

        broker.stop()
        wait_for(lambda: not ingester.connected.is_set(), "the ingester to see the broker go")
        broker.start()
        # Published as soon as the broker is back, possibly before the ingester has
        # reconnected: the restored session queues them for it.
        publish(broker.url, topic, [telegram(h) for h in range(8, 16)])
        wait_for(lambda: ingester.stats.accepted >= 16, "the readings after the restart")
        assert ingester.stats.connects >= 2

    # Every reading, before and after the restart, is stored exactly once.
    assert stored_hours(heat_meter) == list(range(16))
    assert ingester.stats.accepted == 16
    assert ingester.stats.rejected == 0


def test_messages_queued_while_the_ingester_is_down_survive_a_broker_restart(broker, heat_meter):
    topic = f"test/{uuid.uuid4().hex}/wmbusmeters"
    client_id = "ingest-offline"

    # A first run creates the persistent session (the subscription) on the broker.
    first = MqttIngester(broker.url, topic, client_id=client_id, flush_seconds=0.2)
    with running(first):
        wait_for(first.subscribed.is_set, "the first subscription")

    # While the ingester is down a gateway publishes; then the broker restarts.
    publish(broker.url, topic, [telegram(h) for h in range(12)])
    broker.restart()

    second = MqttIngester(broker.url, topic, client_id=client_id, flush_seconds=0.2)
    with running(second):
        wait_for(lambda: second.stats.messages >= 12, "the queued readings")

    assert stored_hours(heat_meter) == list(range(12))
    assert second.stats.accepted == 12
    assert second.stats.messages == 12  # nothing redelivered twice, nothing lost


# --- Faults: the broker killed -9 and the ingestion worker killed -9 while gateways publish


def telegram_at(index: int) -> bytes:
    """The ``heat_meter``'s telegram ``index`` hours after 1 January 2026 (the counter
    grows with time, so any order of arrival is valid)."""
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=index)
    return json.dumps(
        {
            "media": "heat",
            "meter": "kamheat",
            "id": "87654321",
            "total_energy_consumption_kwh": 1000 + 10 * index,
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ).encode()


class Gateway:
    """A meter gateway publishing at QoS 1: a telegram counts as acknowledged when its
    PUBACK arrives; one that gets none (broker down) is published again."""

    def __init__(self, url: str, topic: str) -> None:
        self.port = int(url.rsplit(":", 1)[1])
        self.topic = topic
        self.acknowledged: set[int] = set()
        self.attempts = 0
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"gw-{uuid.uuid4().hex}"
        )
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()

    def publish(self, index: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.attempts += 1
            try:
                info = self.client.publish(self.topic, telegram_at(index), qos=1)
                info.wait_for_publish(2.0)
                if info.is_published():
                    self.acknowledged.add(index)
                    return
            except (RuntimeError, ValueError):
                pass  # not connected: paho is reconnecting
            time.sleep(0.1)
        raise AssertionError(f"telegram {index} was never acknowledged")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class IngestionWorker:
    """``distretto mqtt-ingest`` as its own process, so that it can be killed -9."""

    def __init__(self, url: str, topic: str, client_id: str) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distretto",
                "mqtt-ingest",
                "--url",
                url,
                "--topic",
                topic,
                "--client-id",
                client_id,
                "--flush-seconds",
                "0.2",
            ],
            cwd=PROJECT,
            env=server_env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]


def test_every_acknowledged_telegram_is_stored_once_through_broker_and_worker_kills(
    durable_broker, heat_meter
):
    topic = f"test/{uuid.uuid4().hex}/wmbusmeters"
    client_id = f"ingest-{uuid.uuid4().hex[:8]}"
    total = 300
    stored = lambda: Reading.objects.filter(meter=heat_meter).count()  # noqa: E731
    workers = [IngestionWorker(durable_broker.url, topic, client_id)]
    gateway = Gateway(durable_broker.url, topic)
    try:
        # The worker's persistent session exists once its first reading is stored.
        deadline = time.monotonic() + 120
        while stored() == 0:
            gateway.publish(0, deadline)
            assert workers[0].process.poll() is None, workers[0].output()
            assert time.monotonic() < deadline, workers[0].output()
            time.sleep(0.5)

        # Mosquitto sends a PUBACK a moment before it saves the change, so a broker
        # killed in that moment loses the message it has just acknowledged (see the
        # README). The gateway holds its next telegram around the kill: what is tested
        # is that everything acknowledged before it had been made durable.
        hold, held = threading.Event(), threading.Event()

        def publish_all() -> None:
            end = time.monotonic() + 240
            for index in range(1, total):
                while hold.is_set():
                    held.set()
                    time.sleep(0.01)
                gateway.publish(index, end)
                time.sleep(0.005)

        publisher = threading.Thread(target=publish_all, daemon=True)
        publisher.start()
        wait_for(lambda: stored() >= total // 5, "readings before the worker is killed", 120)
        workers[0].kill()
        stored_at_worker_kill = stored()
        wait_for(lambda: len(gateway.acknowledged) >= total // 2, "telegrams queued", 120)
        hold.set()
        wait_for(held.is_set, "the gateway between two telegrams")
        time.sleep(0.2)  # the broker's save after the last acknowledgement
        durable_broker.kill()
        acknowledged_at_broker_kill = len(gateway.acknowledged)
        time.sleep(0.5)
        durable_broker.start()
        hold.clear()
        workers.append(IngestionWorker(durable_broker.url, topic, client_id))
        publisher.join(300)
        assert not publisher.is_alive(), "the gateway did not finish publishing"
        try:
            wait_for(lambda: stored() >= len(gateway.acknowledged), "acknowledged telegrams", 240)
        except AssertionError as late:
            raise AssertionError(
                f"{late}: {stored()} stored of {len(gateway.acknowledged)} acknowledged\n"
                f"worker:\n{workers[-1].output()}\nbroker:\n{durable_broker.log.read_text()}"
            ) from None
        time.sleep(1.0)  # anything redelivered late lands now, and must change nothing
    finally:
        gateway.close()
        for worker in workers:
            worker.kill()

    first = datetime(2026, 1, 1, tzinfo=UTC)
    hours = [
        int((ts - first).total_seconds() // 3600)
        for ts in Reading.objects.filter(meter=heat_meter).values_list("ts", flat=True)
    ]
    assert len(hours) == len(set(hours)), "a telegram was stored twice"
    assert gateway.acknowledged <= set(hours), "an acknowledged telegram was lost"
    assert set(hours) <= set(range(total))
    print(
        f"\nbroker and worker killed -9: {total} telegrams, {gateway.attempts} publishes, "
        f"{len(gateway.acknowledged)} acknowledged ({acknowledged_at_broker_kill} before the "
        f"broker kill), {stored_at_worker_kill} stored before the worker kill, "
        f"{len(hours)} stored once each, 0 lost"
    )

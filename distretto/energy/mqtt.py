"""The MQTT ingester: wmbusmeters telegrams from the broker into the readings store.

It subscribes with QoS 1 under a fixed client id and a persistent session
(``clean_session=False``), so that the broker keeps what gateways publish while the
ingester is down and delivers it on reconnection. Messages are acknowledged
(``manual_ack``) only after their batch is committed to the database: a crash
between the two means a redelivery, which the (meter, ts) idempotency absorbs,
never a loss. paho's network loop reconnects by itself when the broker restarts.

Messages are batched (up to ``batch_size`` or ``flush_seconds``) and written through
:func:`distretto.energy.ingestion.ingest`; a payload that is not JSON goes to the
rejected-input log as ``malformed``. After each batch the ingester logs its lag: the
age of the oldest message of the batch when it was stored, and what is still queued.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from django.db import close_old_connections

from distretto.core import metrics
from distretto.energy.ingestion import ingest
from distretto.energy.models import RejectedReading

log = logging.getLogger("distretto.energy.mqtt")


@dataclass
class Message:
    topic: str
    payload: bytes
    mid: int
    qos: int
    received: float


@dataclass
class IngesterStats:
    messages: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    lag_seconds: float = 0.0
    queued: int = 0
    connects: int = 0
    last_batch_at: float | None = field(default=None, repr=False)


def _text(payload: bytes) -> str:
    """A payload as storable text: at most 2000 characters, no NUL (PostgreSQL refuses it)."""
    return payload.decode("utf-8", "replace")[:2000].replace("\x00", "\ufffd")


class MqttIngester:
    def __init__(
        self,
        url: str,
        topic: str,
        *,
        client_id: str = "distretto-energy-ingest",
        site_ids: list[int] | None = None,
        batch_size: int = 500,
        flush_seconds: float = 1.0,
    ) -> None:
        parsed = urlparse(url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 1883
        self.topic = topic
        self.site_ids = site_ids
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.stats = IngesterStats()
        self.inbox: queue.Queue[Message] = queue.Queue()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            manual_ack=True,
        )
        if parsed.username:
            self.client.username_pw_set(parsed.username, parsed.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # paho callbacks run in its network thread: they only queue.
    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("MQTT connection refused: %s", reason_code)
            return
        self.stats.connects += 1
        self.connected.set()
        # Subscribing again is harmless with a persistent session, needed without one.
        client.subscribe(self.topic, qos=1)
        log.info(
            "MQTT connected to %s:%s, session present=%s",
            self.host,
            self.port,
            flags.session_present,
        )

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        log.warning("MQTT disconnected (%s); paho reconnects", reason_code)

    def _on_message(self, client, userdata, message) -> None:
        self.inbox.put(
            Message(message.topic, message.payload, message.mid, message.qos, time.time())
        )

    def start(self) -> None:
        self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _drain(self, timeout: float) -> list[Message]:
        batch: list[Message] = []
        deadline = time.monotonic() + timeout
        while len(batch) < self.batch_size:
            remaining = deadline - time.monotonic()
            try:
                batch.append(self.inbox.get(timeout=max(remaining, 0.0) if batch else timeout))
            except queue.Empty:
                break
            if remaining <= 0:
                break
        return batch

    def process(self, batch: list[Message]) -> None:
        """Store one batch, then acknowledge its messages to the broker."""
        items: list = []
        malformed: list[Message] = []
        for message in batch:
            try:
                decoded = json.loads(message.payload)
            except (ValueError, UnicodeDecodeError):
                malformed.append(message)
                continue
            items.extend(decoded if isinstance(decoded, list) else [decoded])
        close_old_connections()
        result = ingest(items, site_ids=self.site_ids, source="mqtt")
        if malformed:
            RejectedReading.objects.bulk_create(
                RejectedReading(
                    site_id=self.site_ids[0] if self.site_ids and len(self.site_ids) == 1 else None,
                    source="mqtt",
                    code=RejectedReading.Code.MALFORMED,
                    message="The MQTT payload is not JSON.",
                    payload={
                        "topic": m.topic,
                        "raw": m.payload.decode("utf-8", "replace")[:2000].replace(
                            "\x00", "\ufffd"
                        ),
                    },
                )
                for m in malformed
            )
        for message in batch:
            if message.qos > 0:
                self.client.ack(message.mid, message.qos)
        now = time.time()
        stats = self.stats
        stats.messages += len(batch)
        stats.accepted += result.accepted
        stats.duplicates += result.duplicates
        stats.rejected += len(result.rejected) + len(malformed)
        stats.batches += 1
        stats.lag_seconds = now - min(m.received for m in batch)
        stats.queued = self.inbox.qsize()
        stats.last_batch_at = now
        metrics.record_ingest(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=len(result.rejected) + len(malformed),
            lag_seconds=stats.lag_seconds,
            queued=stats.queued,
        )
        log.info(
            "mqtt batch: %d messages, %d accepted, %d duplicates, %d rejected; "
            "lag %.2f s, %d queued",
            len(batch),
            result.accepted,
            result.duplicates,
            len(result.rejected) + len(malformed),
            stats.lag_seconds,
            stats.queued,
        )

    def run(
        self,
        *,
        idle_exit: float | None = None,
        max_messages: int | None = None,
        stop: threading.Event | None = None,
    ) -> IngesterStats:
        """Ingest until stopped (or idle for ``idle_exit`` s, or ``max_messages`` seen)."""
        self.start()
        idle_since = time.monotonic()
        try:
            while not (stop and stop.is_set()):
                batch = self._drain(self.flush_seconds)
                if batch:
                    self.process(batch)
                    idle_since = time.monotonic()
                elif (
                    idle_exit is not None
                    and self.subscribed.is_set()
                    and time.monotonic() - idle_since >= idle_exit
                ):
                    break
                if max_messages is not None and self.stats.messages >= max_messages:
                    break
        finally:
            self.stop()
        return self.stats

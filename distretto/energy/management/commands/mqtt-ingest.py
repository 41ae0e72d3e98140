"""``distretto mqtt-ingest``: meter readings from the MQTT broker (wmbusmeters)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from distretto.energy.mqtt import MqttIngester


class Command(BaseCommand):
    help = "Subscribe to the meter topic on MQTT_URL (QoS 1, persistent session) and ingest."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default=settings.MQTT_URL, help="mqtt://host:port")
        parser.add_argument(
            "--topic",
            default=getattr(settings, "ENERGY_MQTT_TOPIC", "wmbusmeters/#"),
            help="topic filter (default wmbusmeters/#)",
        )
        parser.add_argument(
            "--client-id",
            default="distretto-energy-ingest",
            help="fixed id: the broker keeps this client's session while it is down",
        )
        parser.add_argument("--site", type=int, action="append", help="only these site ids")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--flush-seconds", type=float, default=1.0)
        parser.add_argument(
            "--idle-exit", type=float, default=None, help="stop after this many idle seconds"
        )
        parser.add_argument("--max-messages", type=int, default=None)

    def handle(self, *args, **options) -> None:
        if not options["url"]:
            raise CommandError("Set MQTT_URL (or --url), e.g. mqtt://127.0.0.1:1883.")
        ingester = MqttIngester(
            options["url"],
            options["topic"],
            client_id=options["client_id"],
            site_ids=options["site"],
            batch_size=options["batch_size"],
            flush_seconds=options["flush_seconds"],
        )
        self.stdout.write(f"Ingesting {options['topic']} from {options['url']} …")
        try:
            stats = ingester.run(
                idle_exit=options["idle_exit"], max_messages=options["max_messages"]
            )
        except KeyboardInterrupt:
            stats = ingester.stats
        self.stdout.write(
            f"{stats.messages} messages: {stats.accepted} accepted, "
            f"{stats.duplicates} duplicates, {stats.rejected} rejected; "
            f"last lag {stats.lag_seconds:.2f} s"
        )

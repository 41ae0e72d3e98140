"""The totem network's periodic work: poll CAP feeds, e-mail offline totems, expire
old commands, delete raw proof of play past its retention.

Run it as a service (it loops, once a minute by default) or from cron with ``--once``.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from distretto.signage import alerts, commands, proof


class Command(BaseCommand):
    help = "Poll CAP alert feeds, e-mail offline totems, purge old raw plays (loops)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--every", type=float, default=60.0, help="seconds between passes")

    def handle(self, *args, once: bool = False, every: float = 60.0, **options) -> None:
        while True:
            polled = alerts.poll_due()
            mailed = alerts.check_offline()
            expired = commands.expire_old()
            purged = proof.purge_raw()
            self.stdout.write(
                f"feeds polled {polled}; offline e-mails {mailed['offline']}, back online "
                f"{mailed['back']}; commands expired {expired}; raw plays deleted {purged}"
            )
            if once:
                return
            time.sleep(every)

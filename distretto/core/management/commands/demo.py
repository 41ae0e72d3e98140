"""`distretto demo`: migrate, load the demo data, print the way in, serve."""

from importlib import import_module

from django.core.management import call_command
from django.core.management.base import BaseCommand

from distretto.accounts.demo import DEMO_PASSWORD, logins


def from_demo_modules(name: str) -> list[tuple[str, str]]:
    """What each app's demo module lists under ``name`` (``DEMO_LINKS``: label and path
    of its entry pages; ``DEMO_LOGINS``: username and role of users it adds)."""
    seed_demo = import_module("distretto.core.management.commands.seed-demo")
    return [item for module in seed_demo.demo_modules() for item in getattr(module, name, [])]


class Command(BaseCommand):
    help = "Migrate, seed the demo data and serve on 127.0.0.1."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Stop after seeding.")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed-demo")
        base = f"http://127.0.0.1:{options['port']}"
        lines = [
            "",
            "Distretto demo",
            f"  site          {base}/",
            f"  dashboard     {base}/dashboard/",
            f"  district map  {base}/territory/d/lodi/",
            f"  projects map  {base}/territory/projects/",
            f"  API docs      {base}/api/v1/docs",
            f"  health        {base}/healthz",
            f"  admin         {base}/admin/",
            *(f"  {label:<13} {base}{path}" for label, path in from_demo_modules("DEMO_LINKS")),
            "",
            f"Demo logins (password: {DEMO_PASSWORD}):",
            *(f"  {username:<18} {what}" for username, what in logins()),
            *(f"  {username:<18} {what}" for username, what in from_demo_modules("DEMO_LOGINS")),
            "",
        ]
        self.stdout.write("\n".join(lines))
        if not options["no_serve"]:
            call_command("serve", port=options["port"])

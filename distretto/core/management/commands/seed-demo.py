"""Load the deterministic demo data of every app (idempotent)."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


def demo_modules() -> list:
    """Each app's ``demo`` module with a ``seed()``, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        if config.name.startswith("distretto.") and find_spec(f"{config.name}.demo"):
            modules.append(import_module(f"{config.name}.demo"))
    return modules


class Command(BaseCommand):
    help = "Load the demo data (chambers, districts, businesses, users, ...). Safe to re-run."

    def handle(self, *args, **options) -> None:
        for module in demo_modules():
            with transaction.atomic():
                module.seed()
            self.stdout.write(f"seeded {module.__name__.split('.')[1]}")

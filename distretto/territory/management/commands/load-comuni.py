from django.core.management.base import BaseCommand

from distretto.territory.comuni import load_comuni


class Command(BaseCommand):
    help = "Load the bundled ISTAT comuni (all, or some provinces: --provinces LO,CN)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--provinces", default="", help="Comma-separated car-plate codes.")

    def handle(self, *args, **options) -> None:
        provinces = {p.strip().upper() for p in options["provinces"].split(",") if p.strip()}
        count = load_comuni(provinces=provinces or None)
        self.stdout.write(f"{count} comuni loaded")

from django.core.management.base import BaseCommand

from distretto.territory.comuni import load_comuni


class Command(BaseCommand):
    help = (
        "Bring the comuni to the bundled ISTAT list (all, or some provinces: --provinces LO,CN): "
        "add new ones, update renamed ones, mark the ones that left the list as ceased, and "
        "print what changed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--provinces", default="", help="Comma-separated car-plate codes.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change, change nothing."
        )
        parser.add_argument(
            "--summary", action="store_true", help="Print the totals only, not one line per change."
        )

    def handle(self, *args, **options) -> None:
        provinces = {p.strip().upper() for p in options["provinces"].split(",") if p.strip()}
        report = load_comuni(provinces=provinces or None, dry_run=options["dry_run"])
        lines = report.lines()
        for line in lines[:1] if options["summary"] else lines:
            self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write("dry run: nothing was changed")

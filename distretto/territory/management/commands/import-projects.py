from django.core.management.base import CommandError

from distretto.territory.importing import import_projects
from distretto.territory.management.commands._import import ImportCommand
from distretto.territory.models import Chamber


class Command(ImportCommand):
    help = "Import revitalisation projects from a CSV file for a chamber."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--chamber", required=True, help="Chamber code.")

    def run_import(self, options):
        chamber = Chamber.objects.filter(code=options["chamber"]).first()
        if chamber is None:
            raise CommandError(f"No chamber {options['chamber']!r}.")
        with options["file"].open("rb") as handle:
            return import_projects(handle, chamber, skip_bad=options["skip_bad"])

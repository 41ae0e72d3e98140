from django.core.management.base import CommandError

from distretto.territory.importing import import_businesses
from distretto.territory.management.commands._import import ImportCommand
from distretto.territory.models import District


class Command(ImportCommand):
    help = "Import businesses from a CSV file into a district."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--district", required=True, help="District slug.")

    def run_import(self, options):
        district = District.objects.filter(slug=options["district"]).first()
        if district is None:
            raise CommandError(f"No district {options['district']!r}.")
        with options["file"].open("rb") as handle:
            return import_businesses(handle, district, skip_bad=options["skip_bad"])

import csv

from django.core.management.base import BaseCommand, CommandError

from distretto.territory.models import Business, District
from distretto.territory.services import obsolete_ateco


class Command(BaseCommand):
    help = (
        "List the businesses whose ATECO code is not an ATECO 2025 code (ATECO 2007 codes "
        "and unknown ones) with the 2025 codes of ISTAT's correspondence table."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--district", help="Only this district (slug).")
        parser.add_argument("--csv", action="store_true", help="CSV on stdout, one row a code.")

    def handle(self, *args, **options) -> None:
        businesses = Business.objects.all()
        if options["district"]:
            if not District.objects.filter(slug=options["district"]).exists():
                raise CommandError(f"No district {options['district']!r}.")
            businesses = businesses.filter(district__slug=options["district"])
        rows = obsolete_ateco(businesses)
        if options["csv"]:
            self._csv(rows)
            return
        for row in rows:
            business = row["business"]
            kind = "ATECO 2007" if row["edition"] else "in no ATECO edition"
            self.stdout.write(
                f"{business.pk} {business.name} ({business.district.slug}): {row['code']} {kind}"
            )
            for s in row["suggestions"]:
                whole = "whole" if s.whole else "part"
                self.stdout.write(f"    -> {s.code} {s.description} [{whole}]")
            if row["edition"] and not row["suggestions"]:
                self.stdout.write("    -> no 2025 code in the correspondence table")
        self.stdout.write(f"{len(rows)} businesses with a code that is not ATECO 2025")

    def _csv(self, rows: list[dict]) -> None:
        writer = csv.writer(self.stdout)
        writer.writerow(
            [
                "business_id",
                "business",
                "district",
                "ateco_code",
                "edition",
                "suggested_2025",
                "description_2025",
                "coverage",
            ]
        )
        for row in rows:
            business = row["business"]
            base = [
                business.pk,
                business.name,
                business.district.slug,
                row["code"],
                row["edition"] or "",
            ]
            for s in row["suggestions"] or [None]:
                writer.writerow(
                    base
                    + (
                        [s.code, s.description, "whole" if s.whole else "part"]
                        if s
                        else ["", "", ""]
                    )
                )

"""The open-data catalogue in the style of DCAT-AP_IT (JSON-LD), so that the national
portal (dati.gov.it) can harvest the observatory's published indicators.

One dataset per chamber, published by the chamber under CC BY 4.0, updated monthly,
with a CSV and a JSON distribution of ``GET /api/v1/observatory/indicators``.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.utils.translation import gettext as _

from distretto.core.errors import Invalid
from distretto.observatory import indicators as ind
from distretto.observatory.models import MonthlyValue
from distretto.territory.models import Chamber

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatapit": "http://dati.gov.it/onto/dcatapit#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority"
LICENCE = {
    "@id": "https://creativecommons.org/licenses/by/4.0/",
    "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
    "foaf:name": "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
    "dct:type": {"@id": f"{EU}/licence/CC_BY_4_0"},
}
MONTHLY = {"@id": f"{EU}/frequency/MONTHLY"}
ITALIAN = {"@id": f"{EU}/language/ITA"}
ENGLISH = {"@id": f"{EU}/language/ENG"}
THEMES = [{"@id": f"{EU}/data-theme/ECON"}, {"@id": f"{EU}/data-theme/ENER"}]


def agent(chamber: Chamber) -> dict:
    return {
        "@type": ["foaf:Agent", "dcatapit:Agent"],
        "foaf:name": chamber.name,
        "dct:identifier": chamber.code,
    }


def _date(day: date | None) -> dict | None:
    return None if day is None else {"@value": day.isoformat(), "@type": "xsd:date"}


def dataset(chamber: Chamber, base_url: str) -> dict:
    months = MonthlyValue.objects.filter(chamber=chamber).order_by("month")
    first = months.values_list("month", flat=True).first()
    last = months.reverse().values_list("month", flat=True).first()
    computed = (
        MonthlyValue.objects.filter(chamber=chamber)
        .order_by("-computed_at")
        .values_list("computed_at", flat=True)
        .first()
    )
    api = f"{base_url}/api/v1/observatory/indicators"
    distributions = []
    for fmt, media, label in (
        ("CSV", "text/csv", "CSV"),
        ("JSON", "application/json", "JSON"),
    ):
        url = f"{api}?{urlencode({'chamber': chamber.code, 'format': fmt.lower()})}"
        distributions.append(
            {
                "@type": ["dcat:Distribution", "dcatapit:Distribution"],
                "dct:title": f"Indicatori dell'osservatorio ({label})",
                "dct:description": (
                    "Tutti i mesi; filtri: district, from, to (YYYY-MM), indicator. "
                    "Valori sotto 5 persone o negozi oscurati."
                ),
                "dcat:accessURL": {"@id": url},
                "dcat:downloadURL": {"@id": url},
                "dcat:mediaType": media,
                "dct:format": {"@id": f"{EU}/file-type/{fmt}"},
                "dct:license": LICENCE,
            }
        )
    names = ", ".join(i.name_it.lower() for i in ind.published()[:6])
    return {
        "@id": f"{base_url}/observatory/open-data/#{chamber.code}",
        "@type": ["dcat:Dataset", "dcatapit:Dataset"],
        "dct:identifier": f"{chamber.code}:osservatorio-distretti",
        "dct:title": f"Osservatorio dei distretti del commercio — {chamber.name}",
        "dct:description": (
            "Indicatori mensili per distretto e per camera di commercio: carta fedeltà, "
            "check-in turistici, servizi dei negozi multiservizio, totem, energia e progetti "
            f"({names}, …). Calcolati dai dati dei moduli; le stime sono indicate."
        ),
        "dct:publisher": agent(chamber),
        "dct:rightsHolder": agent(chamber),
        "dct:creator": agent(chamber),
        "dct:license": LICENCE,
        "dct:accrualPeriodicity": MONTHLY,
        "dct:language": [ITALIAN, ENGLISH],
        "dcat:theme": THEMES,
        "dcat:keyword": ["commercio", "distretti", "turismo", "energia", "open data"],
        "dct:issued": _date(first),
        "dct:modified": _date(computed.date() if computed else None),
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": _date(first),
            "dcat:endDate": _date(last),
        },
        "dcat:contactPoint": {
            "@type": ["vcard:Organization", "dcatapit:Organization"],
            "vcard:fn": chamber.name,
            "vcard:hasURL": {"@id": f"{base_url}/observatory/open-data/"},
        },
        "dcat:landingPage": {"@id": f"{base_url}/observatory/open-data/"},
        "dcat:distribution": distributions,
    }


def catalog(base_url: str, chamber_code: str | None = None) -> dict:
    """The catalogue of every chamber's dataset, or of one chamber's (``chamber_code``)."""
    chambers = Chamber.objects.order_by("name")
    if chamber_code:
        chambers = chambers.filter(code=chamber_code)
        if not chambers.exists():
            raise Invalid(_("No chamber with this code."), field="chamber")
    chambers = list(chambers)
    datasets = [dataset(chamber, base_url) for chamber in chambers]
    modified = max(
        (d["dct:modified"]["@value"] for d in datasets if d["dct:modified"]), default=None
    )
    publishers = [agent(chamber) for chamber in chambers]
    return {
        "@context": CONTEXT,
        "@id": f"{base_url}/api/v1/observatory/catalog.json",
        "@type": ["dcat:Catalog", "dcatapit:Catalog"],
        "dct:title": "Osservatorio dei distretti — dati aperti",
        "dct:description": (
            "Catalogo dei dati aperti dell'osservatorio camerale sui distretti del "
            "commercio, in stile DCAT-AP_IT."
        ),
        "dct:publisher": publishers[0] if len(publishers) == 1 else publishers,
        "dct:language": ITALIAN,
        "dct:modified": {"@value": modified or date.today().isoformat(), "@type": "xsd:date"},
        "dcat:themeTaxonomy": {"@id": f"{EU}/data-theme"},
        "foaf:homepage": {"@id": f"{base_url}/observatory/open-data/"},
        "dcat:dataset": datasets,
    }

"""Deterministic demo registry: the chambers and districts the platform was conceived for.

Running it twice changes nothing: every row is found by its natural key first.
"""

from __future__ import annotations

import math
from decimal import Decimal

from distretto.territory.comuni import load_comuni
from distretto.territory.models import Business, Chamber, Comune, District, Project
from distretto.territory.validators import partita_iva_check_digit

CHAMBERS = [
    ("milomb", "Camera di Commercio di Milano Monza Brianza Lodi"),
    ("cuneo", "Camera di Commercio di Cuneo"),
    ("bergamo", "Camera di Commercio di Bergamo"),
    ("molise", "Camera di Commercio del Molise"),
]

# slug, chamber, name, kind, comune ISTAT, centre
DISTRICTS = [
    (
        "lodi",
        "milomb",
        "Distretto Urbano del Commercio di Lodi",
        "urban_commerce",
        "098031",
        (45.31410, 9.50350),
    ),
    (
        "cuneo",
        "cuneo",
        "Distretto del Commercio e del Turismo di Cuneo",
        "commerce_tourism",
        "004078",
        (44.39040, 7.54800),
    ),
    (
        "valli-bergamasche",
        "bergamo",
        "Rete Val Brembana e Valle Imagna",
        "rural_network",
        "016164",
        (45.87000, 9.62000),
    ),
    (
        "campobasso",
        "molise",
        "Distretto Innovenergy Campobasso",
        "urban_commerce",
        "070006",
        (41.56030, 14.66270),
    ),
]

LODI_STREETS = {
    "Piazza della Vittoria": (45.31420, 9.50345),
    "Corso Umberto I": (45.31380, 9.50160),
    "Corso Vittorio Emanuele II": (45.31470, 9.50560),
    "Via Marsala": (45.31280, 9.50230),
    "Corso Roma": (45.31250, 9.50520),
    "Via Garibaldi": (45.31600, 9.50280),
    "Via XX Settembre": (45.31530, 9.50090),
    "Piazza Broletto": (45.31380, 9.50430),
    "Via Incoronata": (45.31330, 9.50250),
    "Corso Adda": (45.31560, 9.50820),
    "Via Cavour": (45.31230, 9.50330),
    "Via Volturno": (45.31660, 9.50440),
}

# name, category, ATECO, street
LODI_BUSINESSES = [
    ("Panetteria Fanfulla", "bakery", "10.71.10", "Corso Umberto I"),
    ("Pasticceria Tacchinardi", "bakery", "10.71.20", "Piazza della Vittoria"),
    ("Caffè del Broletto", "bar_cafe", "56.30.01", "Piazza Broletto"),
    ("Bar Vittoria", "bar_cafe", "56.30.01", "Piazza della Vittoria"),
    ("Trattoria La Tosa", "restaurant", "56.11.11", "Via Garibaldi"),
    ("Osteria dell'Incoronata", "restaurant", "56.11.11", "Via Incoronata"),
    ("Pizzeria Sul Corso", "restaurant", "56.11.11", "Corso Roma"),
    ("Salumeria Lodigiana", "grocery", "47.27.90", "Corso Vittorio Emanuele II"),
    ("Formaggi del Lodigiano", "grocery", "47.27.90", "Via Marsala"),
    ("Enoteca Adda", "grocery", "47.25.00", "Corso Adda"),
    ("Ortofrutta Cavour", "grocery", "47.21.01", "Via Cavour"),
    ("Drogheria Volturno", "grocery", "47.11.02", "Via Volturno"),
    ("Boutique Corso Umberto", "clothing", "47.71.10", "Corso Umberto I"),
    ("Moda Uomo Gaffurio", "clothing", "47.71.10", "Corso Vittorio Emanuele II"),
    ("Abbigliamento Bimbi Girotondo", "clothing", "47.71.20", "Via XX Settembre"),
    ("Intimo e Maglieria Rosa", "clothing", "47.71.50", "Corso Roma"),
    ("Calzature Marsala", "shoes_leather", "47.72.11", "Via Marsala"),
    ("Pelletteria del Duomo", "shoes_leather", "47.72.20", "Piazza della Vittoria"),
    ("Gioielleria Sforza", "jewellery", "47.77.00", "Corso Umberto I"),
    ("Orologeria Broletto", "jewellery", "47.77.00", "Piazza Broletto"),
    ("Libreria del Sole", "books", "47.61.00", "Corso Vittorio Emanuele II"),
    ("Cartoleria Garibaldi", "books", "47.62.20", "Via Garibaldi"),
    ("Farmacia Centrale", "health", "47.73.10", "Piazza della Vittoria"),
    ("Erboristeria Incoronata", "health", "47.73.20", "Via Incoronata"),
    ("Parrucchiera Stile", "beauty", "96.21.00", "Via XX Settembre"),
    ("Profumeria Cavour", "beauty", "47.75.00", "Via Cavour"),
    ("Centro Estetico Aurora", "beauty", "96.22.09", "Corso Adda"),
    ("Casalinghi Adda", "home", "47.55.40", "Corso Adda"),
    ("Ceramiche Artistiche Lodigiane", "crafts", "47.78.22", "Via Incoronata"),
    ("Mobili e Design Volturno", "home", "47.55.10", "Via Volturno"),
    ("Elettronica Sul Corso", "electronics", "47.40.30", "Corso Roma"),
    ("Ottica Broletto", "optics", "47.74.01", "Piazza Broletto"),
    ("Ottica Marsala", "optics", "47.74.01", "Via Marsala"),
    ("Fiori di Lodi", "flowers", "47.76.10", "Via Garibaldi"),
    ("Sport Fanfulla", "sports", "47.63.29", "Corso Umberto I"),
    ("Giocattoli Il Trenino", "toys", "47.64.00", "Via XX Settembre"),
    ("Bottega del Restauro", "crafts", "95.24.01", "Via Cavour"),
    ("Hotel Antica Lodi", "hospitality", "55.10.00", "Corso Vittorio Emanuele II"),
    ("Lavanderia Volturno", "services", "96.10.21", "Via Volturno"),
    ("Tipografia Lodigiana", "services", "18.12.00", "Via Garibaldi"),
    ("Gelateria Piazza Vittoria", "bar_cafe", "56.11.22", "Piazza della Vittoria"),
    ("Macelleria Corso Roma", "grocery", "47.22.00", "Corso Roma"),
    ("Cioccolateria Adda", "bakery", "47.24.20", "Corso Adda"),
    ("Sartoria Broletto", "clothing", "14.21.20", "Piazza Broletto"),
]

CUNEO_BUSINESSES = [
    ("Caffè Galimberti", "bar_cafe", "56.30.01", (44.38930, 7.54780)),
    ("Pasticceria Arione", "bakery", "10.71.20", (44.38905, 7.54835)),
    ("Libreria Via Roma", "books", "47.61.00", (44.39200, 7.54890)),
    ("Bottega dei Formaggi del Cuneese", "grocery", "47.27.90", (44.39310, 7.54950)),
    ("Osteria della Chiocciola", "restaurant", "56.11.11", (44.39120, 7.54700)),
    ("Sport e Montagna", "sports", "47.63.29", (44.38800, 7.54600)),
    ("Boutique Contrada Mondovì", "clothing", "47.71.10", (44.39400, 7.55010)),
    ("Ufficio Turistico ATL", "services", "79.90.04", (44.39000, 7.54750)),
    ("Gioielleria Corso Nizza", "jewellery", "47.77.00", (44.38700, 7.54500)),
    ("Enoteca Langhe e Roero", "grocery", "47.25.00", (44.39250, 7.54850)),
    ("Farmacia Galimberti", "health", "47.73.10", (44.38950, 7.54820)),
    ("Ottica Via Roma", "optics", "47.74.01", (44.39150, 7.54870)),
]

# name, category, ATECO, comune ISTAT, position
VALLI_BUSINESSES = [
    (
        "Bottega Multiservizi Piazza Brembana",
        "multiservice",
        "47.11.02",
        "016164",
        (45.94760, 9.67330),
    ),
    ("Emporio di Valtorta", "multiservice", "47.11.02", "016229", (45.97810, 9.53310)),
    ("Negozio di Cassiglio", "multiservice", "47.11.02", "016061", (45.96610, 9.61210)),
    ("Market Averara", "multiservice", "47.11.02", "016014", (45.98920, 9.63150)),
    ("Alimentari Fuipiano", "multiservice", "47.11.02", "016106", (45.85180, 9.52730)),
    ("Bistrot di San Pellegrino", "bar_cafe", "56.30.01", "016190", (45.83610, 9.66390)),
    ("Agriturismo Valle Imagna", "hospitality", "55.20.52", "016252", (45.80440, 9.53640)),
    ("Caseificio Branzi", "grocery", "10.51.20", "016036", (45.98860, 9.75800)),
]

CAMPOBASSO_BUSINESSES = [
    ("Bar Palazzo Ex GIL", "bar_cafe", "56.30.01", (41.56090, 14.66210)),
    ("Panificio Molisano", "bakery", "10.71.10", (41.56010, 14.66330)),
    ("Ferramenta Corso Vittorio", "home", "47.52.10", (41.55980, 14.66150)),
]

# chamber, title, comune, axes, year, budget, status, position
PROJECTS = [
    (
        "milomb",
        "Carta fedeltà del Distretto di Lodi",
        "098031",
        ["new_technologies", "territorial_marketing"],
        2022,
        "180000",
        "active",
        (45.31420, 9.50345),
    ),
    (
        "milomb",
        "Rete dei negozi storici di Lodi",
        "098031",
        ["business_networks"],
        2021,
        "60000",
        "completed",
        (45.31380, 9.50430),
    ),
    (
        "milomb",
        "Vetrine digitali di Codogno",
        "098019",
        ["new_technologies"],
        2023,
        "45000",
        "active",
        (45.16030, 9.70240),
    ),
    (
        "milomb",
        "Sant'Angelo Lodigiano: mercato in piazza",
        "098050",
        ["territorial_marketing"],
        2024,
        "30000",
        "planned",
        (45.23840, 9.40690),
    ),
    (
        "cuneo",
        "Progetto Totem del Distretto di Cuneo",
        "004078",
        ["new_technologies", "territorial_marketing"],
        2022,
        "250000",
        "active",
        (44.38930, 7.54780),
    ),
    (
        "cuneo",
        "Bistrot de pays nelle valli cuneesi",
        "004078",
        ["business_networks", "territorial_marketing"],
        2021,
        "320000",
        "active",
        (44.39000, 7.54750),
    ),
    (
        "cuneo",
        "Tourval Cafè: check-in nelle valli",
        "004078",
        ["new_technologies"],
        2023,
        "90000",
        "active",
        (44.38800, 7.54600),
    ),
    (
        "cuneo",
        "Rete commercio di Mondovì",
        "004130",
        ["business_networks"],
        2020,
        "40000",
        "completed",
        (44.39600, 7.81880),
    ),
    (
        "bergamo",
        "Negozi Multiservizio in Val Brembana",
        "016164",
        ["business_networks", "new_technologies"],
        2019,
        "200000",
        "completed",
        (45.94760, 9.67330),
    ),
    (
        "bergamo",
        "Negozio Multiservizio in Valle Imagna",
        "016106",
        ["business_networks"],
        2020,
        "50000",
        "completed",
        (45.85180, 9.52730),
    ),
    (
        "bergamo",
        "Banda larga per le botteghe di montagna",
        "016229",
        ["new_technologies"],
        2024,
        "120000",
        "active",
        (45.97810, 9.53310),
    ),
    (
        "bergamo",
        "Marketing territoriale delle Valli",
        "016190",
        ["territorial_marketing"],
        2025,
        "75000",
        "planned",
        (45.83610, 9.66390),
    ),
    (
        "molise",
        "Innovenergy: microsistemi energetici",
        "070006",
        ["new_technologies"],
        2021,
        "350000",
        "active",
        (41.56090, 14.66210),
    ),
    (
        "molise",
        "Centro commerciale naturale di Termoli",
        "070078",
        ["business_networks", "territorial_marketing"],
        2022,
        "85000",
        "active",
        (42.00140, 14.99590),
    ),
]

# VAT office codes by province, used to make the demo partite IVA look right.
OFFICE = {"lodi": "098", "cuneo": "004", "valli-bergamasche": "016", "campobasso": "070"}


def demo_partita_iva(district_slug: str, index: int) -> str:
    first_ten = f"{(1_234_000 + index * 37) % 10_000_000:07d}{OFFICE[district_slug]}"
    return first_ten + str(partita_iva_check_digit(first_ten))


def _spread(centre: tuple[float, float], index: int) -> tuple[float, float]:
    """Deterministic spot a few metres from ``centre`` so shops on one street do not overlap."""
    angle = index * 2.399963  # golden angle
    radius = 0.00018 + 0.00006 * (index % 3)
    return (
        round(centre[0] + radius * math.sin(angle), 6),
        round(centre[1] + radius * 1.4 * math.cos(angle), 6),
    )


def _business(
    district: District, index: int, name, category, ateco, position, comune=None, address=""
) -> None:
    Business.objects.update_or_create(
        district=district,
        name=name,
        defaults={
            "partita_iva": demo_partita_iva(district.slug, index),
            "legal_name": f"{name} S.n.c.",
            "ateco_code": ateco,
            "category": category,
            "comune": comune or district.comune,
            "address": address,
            "lat": position[0],
            "lon": position[1],
            "opening_hours": {
                day: [["09:00", "12:30"], ["15:30", "19:30"]]
                for day in ("tue", "wed", "thu", "fri", "sat")
            },
        },
    )


def seed() -> None:
    # Empty, or loaded from the older bundled list (its rows have no cadastral code).
    if not Comune.objects.filter(in_force=True).exclude(codice_catastale="").exists():
        load_comuni()
    chambers = {
        code: Chamber.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in CHAMBERS
    }
    districts = {}
    for slug, chamber, name, kind, comune, (lat, lon) in DISTRICTS:
        districts[slug] = District.objects.update_or_create(
            slug=slug,
            defaults={
                "chamber": chambers[chamber],
                "name": name,
                "kind": kind,
                "comune_id": comune,
                "centre_lat": lat,
                "centre_lon": lon,
            },
        )[0]
    lodi = districts["lodi"]
    for index, (name, category, ateco, street) in enumerate(LODI_BUSINESSES):
        position = _spread(LODI_STREETS[street], index)
        _business(lodi, index, name, category, ateco, position, address=f"{street}, Lodi")
    for index, (name, category, ateco, position) in enumerate(CUNEO_BUSINESSES):
        _business(districts["cuneo"], index, name, category, ateco, position)
    for index, (name, category, ateco, comune, position) in enumerate(VALLI_BUSINESSES):
        _business(
            districts["valli-bergamasche"],
            index,
            name,
            category,
            ateco,
            position,
            Comune.objects.get(pk=comune),
        )
    for index, (name, category, ateco, position) in enumerate(CAMPOBASSO_BUSINESSES):
        _business(districts["campobasso"], index, name, category, ateco, position)
    for chamber, title, comune, axes, year, budget, status, (lat, lon) in PROJECTS:
        project = Project.objects.filter(chamber=chambers[chamber], title=title, year=year).first()
        project = project or Project(chamber=chambers[chamber], title=title, year=year)
        project.set_axes(axes)
        project.comune_id = comune
        project.budget = Decimal(budget)
        project.status = status
        project.lat, project.lon = lat, lon
        project.description = title
        project.save()

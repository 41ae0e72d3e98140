# ruff: noqa: E501  (the formulas are sentences: one line each reads best)
"""Every indicator of the observatory, defined once.

An indicator has a code, its name in Italian and English, a unit, its formula in
words, the module it comes from and whether it may be published as open data.
Its monthly value is computed per district from the module's ``figures.py``
(see ``compute.py``) as a *numerator* and, for ratios, a *denominator*; the
chamber's value adds the districts' numerators and denominators, so a chamber's
ratio is the ratio of its sums, never an average of averages.

``basis`` is how many people or shops stand behind a value: a published value
whose basis is 1 to 4 is suppressed (see ``SMALL_COUNT``) so that no person or
shop can be singled out. A basis of ``None`` means the figure is about public
things (totems, projects, shops on the public map) and is never suppressed.

Energy savings are estimates: the heat a site would have used this month at last
year's heat per degree day, less the heat it used; turned into natural gas, euro
and CO₂ with the factors below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Suppression of small counts in published data: values resting on 1-4 people or shops.
SMALL_COUNT = 5

# --- Factors for the energy estimates ------------------------------------------------------
# Natural gas, lower calorific value and CO₂ emission factor: "Tabella dei parametri
# standard nazionali" for greenhouse-gas monitoring (Ministero dell'Ambiente / ISPRA,
# approved 12 February 2019, averages of 2015-2017): PCI 35.253 GJ per 1000 Sm³,
# emission factor 55.934 t CO₂/TJ.
GAS_GJ_PER_1000_SMC = 35.253
GAS_T_CO2_PER_TJ = 55.934
GAS_KWH_PER_SMC = GAS_GJ_PER_1000_SMC / 3.6  # 9.7925 kWh per Sm³
CO2_KG_PER_SMC = GAS_GJ_PER_1000_SMC * GAS_T_CO2_PER_TJ / 1000  # 1.9719 kg per Sm³
# Price: ARERA's reference price of gas for the domestic customer of the "servizio di
# tutela della vulnerabilità" (typical customer, 1,100 Sm³ a year), May 2024, taxes
# included: 103.66 euro cents per Sm³.
GAS_EUR_PER_SMC = 1.0366
# Assumed seasonal efficiency of the boilers turning gas into the heat that is metered.
BOILER_EFFICIENCY = 0.90

# The units in English (the definitions give them in Italian).
UNITS_EN = {
    "carte": "cards",
    "punti": "points",
    "negozi": "shops",
    "check-in": "check-ins",
    "percorsi": "routes",
    "servizi": "services",
    "iscrizioni": "enrolments",
    "punti su 100": "points out of 100",
    "totem": "totems",
    "% dei giorni": "% of days",
    "riproduzioni": "plays",
    "progetti": "projects",
}

AREAS = {
    "commerce": ("Commercio", "Commerce"),
    "tourism": ("Turismo", "Tourism"),
    "services": ("Servizi", "Services"),
    "totems": ("Totem", "Totems"),
    "energy": ("Energia", "Energy"),
    "projects": ("Progetti", "Projects"),
}


@dataclass(frozen=True)
class Indicator:
    code: str
    area: str
    name_it: str
    name_en: str
    unit: str
    formula_it: str
    formula_en: str
    source: str  # the app whose figures.py it comes from
    publishable: bool = True
    ratio: bool = False  # value = numerator / denominator × scale
    scale: float = 1.0
    decimals: int = 0
    estimate: bool = False
    # Whether a rise is good news (heat used: no; cards active: yes), so that the pages
    # colour a change by what it means, not by its sign. None: neither (a budget, a
    # rate that is a choice). Keyword-only and required: every indicator declares it.
    higher_is_better: bool | None = field(kw_only=True)

    def name(self, language: str | None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_it

    def unit_in(self, language: str | None) -> str:
        if (language or "").startswith("en"):
            return UNITS_EN.get(self.unit, self.unit)
        return self.unit

    def formula(self, language: str | None) -> str:
        return self.formula_en if (language or "").startswith("en") else self.formula_it

    def value(self, numerator: float | None, denominator: float | None) -> float | None:
        if numerator is None:
            return None
        if not self.ratio:
            return round(float(numerator), self.decimals)
        if not denominator:
            return None
        return round(float(numerator) / float(denominator) * self.scale, self.decimals)


def _i(*args, **kwargs) -> Indicator:
    return Indicator(*args, **kwargs)


INDICATORS: list[Indicator] = [
    # --- commerce (loyalty) ---
    _i(
        "cards_active",
        "commerce",
        "Carte attive",
        "Active cards",
        "carte",
        "Carte con almeno un accumulo o un riscatto in cassa nel mese.",
        "Cards with at least one earn or redemption at a till in the month.",
        "loyalty",
        higher_is_better=True,
    ),
    _i(
        "cards_new",
        "commerce",
        "Nuove carte",
        "New cards",
        "carte",
        "Carte emesse nel mese (sostituzioni comprese).",
        "Cards issued in the month (replacements included).",
        "loyalty",
        higher_is_better=True,
    ),
    _i(
        "purchases_eur",
        "commerce",
        "Acquisti con la carta",
        "Card purchases",
        "EUR",
        "Somma degli importi di spesa registrati in cassa con gli accumuli del mese, meno gli accumuli stornati.",
        "Sum of the purchase amounts recorded at the tills with the month's earns, less reversed earns.",
        "loyalty",
        decimals=2,
        higher_is_better=True,
    ),
    _i(
        "points_issued",
        "commerce",
        "Punti emessi",
        "Points issued",
        "punti",
        "Punti emessi dai negozi nel mese, al netto degli storni (come nella liquidazione mensile).",
        "Points issued by the shops in the month, net of reversals (as in the monthly settlement).",
        "loyalty",
        higher_is_better=True,
    ),
    _i(
        "points_redeemed",
        "commerce",
        "Punti riscattati",
        "Points redeemed",
        "punti",
        "Punti spesi nei negozi nel mese, al netto degli storni (come nella liquidazione mensile).",
        "Points spent at the shops in the month, net of reversals (as in the monthly settlement).",
        "loyalty",
        higher_is_better=True,
    ),
    _i(
        "redemption_rate",
        "commerce",
        "Tasso di riscatto",
        "Redemption rate",
        "%",
        "Punti riscattati / punti emessi nel mese × 100.",
        "Points redeemed / points issued in the month × 100.",
        "loyalty",
        ratio=True,
        scale=100,
        decimals=1,
        higher_is_better=None,
    ),
    _i(
        "merchants_active",
        "commerce",
        "Negozi attivi",
        "Active shops",
        "negozi",
        "Negozi con almeno un accumulo o un riscatto in cassa nel mese.",
        "Shops with at least one earn or redemption at a till in the month.",
        "loyalty",
        higher_is_better=True,
    ),
    _i(
        "cards_cross_shopping",
        "commerce",
        "Carte in più negozi",
        "Cross-shopping cards",
        "carte",
        "Carte che hanno accumulato o riscattato in due o più negozi diversi nel mese.",
        "Cards that earned or redeemed at two or more different shops in the month.",
        "loyalty",
        higher_is_better=True,
    ),
    _i(
        "settlement_flows_eur",
        "commerce",
        "Flussi netti di liquidazione",
        "Net settlement flows",
        "EUR",
        "Somma, sui negozi, del saldo netto positivo della liquidazione del mese (punti riscattati meno emessi × valore del punto): quanto passa fra i negozi.",
        "Sum over the shops of the positive net of the month's settlement (points redeemed less issued × point value): what moves between shops.",
        "loyalty",
        decimals=2,
        higher_is_better=None,
    ),
    # --- tourism (checkins) ---
    _i(
        "checkins",
        "tourism",
        "Check-in",
        "Check-ins",
        "check-in",
        "Check-in accettati nel mese.",
        "Accepted check-ins in the month.",
        "checkins",
        higher_is_better=True,
    ),
    _i(
        "checkin_cards",
        "tourism",
        "Carte con check-in",
        "Cards checking in",
        "carte",
        "Carte distinte con almeno un check-in accettato nel mese.",
        "Distinct cards with at least one accepted check-in in the month.",
        "checkins",
        higher_is_better=True,
    ),
    _i(
        "returning_cards",
        "tourism",
        "Carte che ritornano",
        "Returning cards",
        "carte",
        "Carte con un check-in accettato nel mese e uno in un mese precedente nello stesso distretto.",
        "Cards with an accepted check-in in the month and one in an earlier month in the same district.",
        "checkins",
        higher_is_better=True,
    ),
    _i(
        "routes_completed",
        "tourism",
        "Percorsi completati",
        "Routes completed",
        "percorsi",
        "Percorsi di cui una carta ha timbrato nel mese l'ultima tappa che mancava.",
        "Routes of which a card stamped the last missing venue in the month.",
        "checkins",
        higher_is_better=True,
    ),
    _i(
        "checkin_points_spent",
        "tourism",
        "Punti da check-in spesi nei negozi",
        "Check-in points spent in shops",
        "punti",
        "Punti premio dei check-in spesi nel mese in un negozio (i punti premio non ancora spesi si considerano spesi per primi).",
        "Check-in reward points spent at a shop in the month (unspent reward points count as spent first).",
        "loyalty",
        higher_is_better=True,
    ),
    # --- services (catalog, multiservice) ---
    _i(
        "services_delivered",
        "services",
        "Servizi pubblici erogati",
        "Public services delivered",
        "servizi",
        "Servizi erogati nei punti del distretto nel mese, per tipo.",
        "Services delivered at the district's venues in the month, by type.",
        "catalog",
        higher_is_better=True,
    ),
    _i(
        "services_per_venue",
        "services",
        "Servizi per punto",
        "Services per venue",
        "servizi",
        "Servizi erogati / punti che ne hanno registrati nel mese.",
        "Services delivered / venues that recorded some in the month.",
        "catalog",
        ratio=True,
        decimals=1,
        higher_is_better=True,
    ),
    _i(
        "multiservice_shops_open",
        "services",
        "Negozi multiservizio aperti",
        "Multiservice shops open",
        "negozi",
        "Negozi multiservizio attivi aperti entro l'ultimo giorno del mese.",
        "Active multiservice shops opened by the month's last day.",
        "multiservice",
        higher_is_better=True,
    ),
    _i(
        "trainings_completed",
        "services",
        "Corsi completati",
        "Trainings completed",
        "iscrizioni",
        "Iscrizioni ai corsi completate nel mese.",
        "Training enrolments completed in the month.",
        "multiservice",
        higher_is_better=True,
    ),
    _i(
        "checkup_score",
        "services",
        "Punteggio medio dei check-up",
        "Average check-up score",
        "punti su 100",
        "Media del punteggio più recente dei check-up di fattibilità inviati nel mese.",
        "Average of the latest score of the feasibility check-ups submitted in the month.",
        "multiservice",
        publishable=False,
        ratio=True,
        decimals=1,
        higher_is_better=True,
    ),
    _i(
        "costs_avoided_eur",
        "services",
        "Costi evitati alla PA",
        "Costs avoided for the PA",
        "EUR",
        "Servizi erogati nei negozi multiservizio × costo evitato per servizio della camera (stima).",
        "Services delivered at the multiservice shops × the chamber's cost avoided per service (estimate).",
        "multiservice",
        decimals=2,
        estimate=True,
        higher_is_better=True,
    ),
    # --- totems (signage) ---
    _i(
        "totems",
        "totems",
        "Totem installati",
        "Totems installed",
        "totem",
        "Totem approvati installati entro la fine del mese.",
        "Approved totems installed by the end of the month.",
        "signage",
        higher_is_better=True,
    ),
    _i(
        "totems_online_pct",
        "totems",
        "Totem in funzione",
        "Totems online",
        "% dei giorni",
        "Giorni in cui ciascun totem ha registrato almeno una riproduzione (proof of play) / giorni del mese da quando è installato × 100.",
        "Days on which each totem recorded at least one play (proof of play) / the month's days since it was installed × 100.",
        "signage",
        ratio=True,
        scale=100,
        decimals=1,
        estimate=True,
        higher_is_better=True,
    ),
    _i(
        "plays",
        "totems",
        "Riproduzioni",
        "Plays",
        "riproduzioni",
        "Riproduzioni registrate dai totem nel mese (proof of play).",
        "Plays recorded by the totems in the month (proof of play).",
        "signage",
        higher_is_better=True,
    ),
    _i(
        "plays_shop_share",
        "totems",
        "Quota di contenuti dei negozi",
        "Share of shop content",
        "%",
        "Riproduzioni di contenuti dei negozi / tutte le riproduzioni × 100 (il resto è del distretto).",
        "Plays of shops' content / all plays × 100 (the rest is the district's).",
        "signage",
        ratio=True,
        scale=100,
        decimals=1,
        higher_is_better=None,
    ),
    # --- energy ---
    _i(
        "energy_heat_kwh",
        "energy",
        "Calore prodotto",
        "Heat produced",
        "kWh",
        "Calore misurato in uscita da caldaie e cogeneratori dei siti nel mese.",
        "Heat metered out of the sites' boilers and co-generators in the month.",
        "energy",
        decimals=0,
        higher_is_better=False,
    ),
    _i(
        "energy_heat_per_m2",
        "energy",
        "Calore per m²",
        "Heat per m²",
        "kWh/m²",
        "Calore prodotto / superficie delle unità dei siti.",
        "Heat produced / floor area of the sites' units.",
        "energy",
        ratio=True,
        decimals=2,
        higher_is_better=False,
    ),
    _i(
        "energy_heat_per_m2_dd",
        "energy",
        "Calore per m² e grado giorno",
        "Heat per m² and degree day",
        "Wh/m²/GG",
        "Calore prodotto / (superficie × gradi giorno del mese) × 1000.",
        "Heat produced / (floor area × the month's degree days) × 1000.",
        "energy",
        ratio=True,
        scale=1000,
        decimals=1,
        higher_is_better=False,
    ),
    _i(
        "energy_heat_change_pct",
        "energy",
        "Variazione sulla stagione precedente",
        "Change on the previous season",
        "%",
        "(Calore del mese − calore atteso) / calore atteso × 100; atteso = calore dello stesso mese dell'anno prima per grado giorno × gradi giorno del mese.",
        "(Heat of the month − expected heat) / expected heat × 100; expected = the same month a year earlier's heat per degree day × this month's degree days.",
        "energy",
        ratio=True,
        scale=100,
        decimals=1,
        higher_is_better=False,
    ),
    _i(
        "energy_chp_self_consumption_pct",
        "energy",
        "Autoconsumo della cogenerazione",
        "Co-generation self-consumption",
        "%",
        "Elettricità cogenerata consumata nel sito / elettricità cogenerata × 100.",
        "Co-generated electricity used on the site / co-generated electricity × 100.",
        "energy",
        ratio=True,
        scale=100,
        decimals=1,
        higher_is_better=True,
    ),
    _i(
        "energy_savings_kwh",
        "energy",
        "Calore risparmiato (stima)",
        "Heat saved (estimate)",
        "kWh",
        "Calore atteso − calore del mese, per i siti con lo stesso mese dell'anno prima.",
        "Expected heat − heat of the month, for the sites with the same month a year earlier.",
        "energy",
        estimate=True,
        higher_is_better=True,
    ),
    _i(
        "energy_savings_eur",
        "energy",
        "Risparmio in euro (stima)",
        "Savings in euro (estimate)",
        "EUR",
        f"Calore risparmiato / rendimento caldaia {BOILER_EFFICIENCY:.2f} / {GAS_KWH_PER_SMC:.4f} kWh per Sm³ × {GAS_EUR_PER_SMC:.4f} € per Sm³ (ARERA, maggio 2024).",
        f"Heat saved / boiler efficiency {BOILER_EFFICIENCY:.2f} / {GAS_KWH_PER_SMC:.4f} kWh per Sm³ × €{GAS_EUR_PER_SMC:.4f} per Sm³ (ARERA, May 2024).",
        "energy",
        decimals=2,
        estimate=True,
        higher_is_better=True,
    ),
    _i(
        "energy_savings_co2_kg",
        "energy",
        "CO₂ evitata (stima)",
        "CO₂ avoided (estimate)",
        "kg CO₂",
        f"Calore risparmiato / rendimento caldaia {BOILER_EFFICIENCY:.2f} / {GAS_KWH_PER_SMC:.4f} kWh per Sm³ × {CO2_KG_PER_SMC:.4f} kg CO₂ per Sm³ (ISPRA, parametri standard nazionali).",
        f"Heat saved / boiler efficiency {BOILER_EFFICIENCY:.2f} / {GAS_KWH_PER_SMC:.4f} kWh per Sm³ × {CO2_KG_PER_SMC:.4f} kg CO₂ per Sm³ (ISPRA national standard parameters).",
        "energy",
        decimals=0,
        estimate=True,
        higher_is_better=True,
    ),
    # --- projects (territory) ---
    _i(
        "projects_started",
        "projects",
        "Progetti avviati",
        "Projects started",
        "progetti",
        "Progetti (non annullati) avviati nel mese; il registro ne conosce l'anno, l'avvio è il 1° gennaio.",
        "Projects (not cancelled) started in the month; the registry knows their year, the start is 1 January.",
        "territory",
        higher_is_better=None,
    ),
    _i(
        "projects_budget_eur",
        "projects",
        "Budget dei progetti per asse",
        "Project budget by axis",
        "EUR",
        "Budget dei progetti avviati nel mese, diviso in parti uguali fra i loro assi (reti d'impresa, nuove tecnologie, marketing territoriale).",
        "Budget of the projects started in the month, split evenly between their axes (business networks, new technologies, territorial marketing).",
        "territory",
        decimals=2,
        higher_is_better=None,
    ),
]

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in INDICATORS}
assert len(BY_CODE) == len(INDICATORS), "indicator codes must be unique"

# The indicators on each area's cards, in order.
KEY_INDICATORS = [
    "cards_active",
    "purchases_eur",
    "redemption_rate",
    "checkins",
    "services_delivered",
    "totems_online_pct",
    "energy_heat_per_m2_dd",
    "energy_savings_eur",
]


def published() -> list[Indicator]:
    return [indicator for indicator in INDICATORS if indicator.publishable]


def get(code: str) -> Indicator:
    return BY_CODE[code]

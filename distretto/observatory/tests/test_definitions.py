"""The indicators are defined once, and the README's table says the same."""

from pathlib import Path

from distretto.observatory import indicators as ind

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_indicator_is_complete_and_its_ratio_is_computable():
    for indicator in ind.INDICATORS:
        assert indicator.area in ind.AREAS
        assert indicator.name_it and indicator.name_en and indicator.unit
        assert indicator.formula_it.endswith(".") and indicator.formula_en.endswith(".")
        assert indicator.source in {
            "loyalty",
            "checkins",
            "catalog",
            "multiservice",
            "signage",
            "energy",
            "territory",
        }
    assert ind.get("redemption_rate").value(40, 100) == 40.0
    assert ind.get("redemption_rate").value(40, 0) is None


def test_the_readme_lists_every_indicator_with_its_formula_and_publication():
    text = README.read_text()
    for indicator in ind.INDICATORS:
        published = "yes" if indicator.publishable else "no"
        rise = {True: "good", False: "bad", None: "neither"}[indicator.higher_is_better]
        line = f"| `{indicator.code}` | {indicator.name_en} | {indicator.unit_in('en')} |"
        assert line in text, indicator.code
        row = next(row for row in text.splitlines() if row.startswith(line))
        assert indicator.formula_en.replace("|", "/") in row
        assert row.endswith(f"| {indicator.source} | {published} | {rise} |")


def test_the_energy_factors_follow_from_the_named_sources():
    # ISPRA: 35.253 GJ per 1000 Sm³ = 9.7925 kWh per Sm³; × 55.934 t CO₂/TJ = 1.9718 kg.
    assert round(ind.GAS_KWH_PER_SMC, 4) == 9.7925
    assert round(ind.CO2_KG_PER_SMC, 4) == 1.9718

"""UNI 10200 allocation as a pure function: worked examples with their arithmetic,
invariants checked with hypothesis, and every input error named."""

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction
from math import ceil, floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distretto.energy.allocation import (
    AllocationInput,
    AllocationInputError,
    CostItem,
    RadiatorReading,
    UnitInput,
    allocate,
    split_cents,
    split_in_two,
)

# A season that ended before D.Lgs. 73/2020 came into force: compensation allowed.
BEFORE_73_2020 = dt.date(2020, 4, 15)


def three_flats(a="6000", b="3000", c="1000") -> list[UnitInput]:
    return [
        UnitInput(1, "A", D("500"), D("400"), heat_kwh=D(a)),
        UnitInput(2, "B", D("300"), D("350"), heat_kwh=D(b)),
        UnitInput(3, "C", D("200"), D("250"), heat_kwh=D(c)),
    ]


def totals(result) -> list[D]:
    return [s.total for s in result.statements]


class TestWorkedExamples:
    def test_share_from_the_technical_report(self):
        # Fuel 10,000.00 €, involuntary share 20% (technical report):
        #   involuntary 2,000.00 € by thousandths 500/300/200 → 1,000.00 / 600.00 / 400.00
        #   voluntary   8,000.00 € by meters 6,000/3,000/1,000 kWh → 4,800.00 / 2,400.00 / 800.00
        result = allocate(
            AllocationInput(
                units=three_flats(), fuel_cost=D("10000.00"), involuntary_share=D("0.20")
            )
        )
        assert [s.components["fuel_involuntary"] for s in result.statements] == [
            D("1000.00"),
            D("600.00"),
            D("400.00"),
        ]
        assert [s.components["fuel_voluntary"] for s in result.statements] == [
            D("4800.00"),
            D("2400.00"),
            D("800.00"),
        ]
        assert totals(result) == [D("5800.00"), D("3000.00"), D("1200.00")]
        assert result.total == D("10000.00")

    def test_measured_involuntary_consumption(self):
        # Generator 12,000 kWh, unit meters 10,000 kWh → network losses 2,000 kWh = 1/6.
        # Fuel 6,000.00 €: involuntary 1,000.00 € → 500.00 / 300.00 / 200.00;
        # voluntary 5,000.00 € → 3,000.00 / 1,500.00 / 500.00.
        result = allocate(
            AllocationInput(
                units=three_flats(),
                fuel_cost=D("6000.00"),
                involuntary_method="measured",
                generator_heat_kwh=D("12000"),
            )
        )
        assert result.involuntary_share == D("0.166667")
        assert result.involuntary_quantity == D("2000")
        assert totals(result) == [D("3500.00"), D("1800.00"), D("700.00")]

    def test_allocators_compensation_and_an_estimated_unit(self):
        # A: 100 u × KQ 1.2 × KC 1.0 + 50 u × 0.8 × 1.0 = 120 + 40 = 160
        # B: 200 u × 1.0 × 0.9 = 180
        # C: allocator tampered → estimated at the site's average per thousandth:
        #    (160 + 180) / (400 + 350) = 340/750 per thousandth × 250 = 113.33
        # Fuel 3,000.00 € with 70% by consumption (art. 9 c.5 d):
        #   30% = 900.00 € by thousandths 400/350/250 → 360.00 / 315.00 / 225.00
        #   70% = 2,100.00 € by 160 : 180 : 113.33 → 741.176… / 833.823… / 525.00
        #   in cents 74117 + 83382 + 52500 = 209,999: the cent left goes to the
        #   largest remainder (A, .647) → 741.18 / 833.82 / 525.00
        units = [
            UnitInput(
                1,
                "A",
                D("400"),
                radiators=[
                    RadiatorReading(D("100"), D("1.2"), D("1.0")),
                    RadiatorReading(D("50"), D("0.8"), D("1.0")),
                ],
            ),
            UnitInput(2, "B", D("350"), radiators=[RadiatorReading(D("200"), D("1.0"), D("0.9"))]),
            UnitInput(
                3,
                "C",
                D("250"),
                radiators=[RadiatorReading(D("999"), D("1"), D("1"))],
                readings_valid=False,
            ),
        ]
        result = allocate(
            AllocationInput(
                units=units,
                fuel_cost=D("3000.00"),
                involuntary_method="compensation",
                voluntary_share=D("0.70"),
                requirement_difference=D("0.62"),  # the sworn report: 62% > 50%
                period_end=BEFORE_73_2020,
            )
        )
        assert [s.voluntary_quantity for s in result.statements] == [
            D("160"),
            D("180"),
            D("113.333"),
        ]
        assert [s.estimated for s in result.statements] == [False, False, True]
        assert result.statements[2].estimate_method == "average_per_thousandth"
        assert result.measure == "allocator units"
        assert result.involuntary_quantity is None
        assert [s.components["fuel_voluntary"] for s in result.statements] == [
            D("741.18"),
            D("833.82"),
            D("525.00"),
        ]
        assert totals(result) == [D("1101.18"), D("1148.82"), D("750.00")]

    def test_estimate_from_last_season_corrected_by_degree_days(self):
        # C read 1,000 kWh last season with 2,000 degree days; this season has 2,346:
        # 1,000 × 2,346 / 2,000 = 1,173 kWh.
        units = three_flats()
        units[2] = UnitInput(
            3, "C", D("200"), heat_kwh=None, readings_valid=False, previous_quantity=D("1000")
        )
        result = allocate(
            AllocationInput(
                units=units,
                fuel_cost=D("1000.00"),
                involuntary_share=D("0.25"),
                estimate_method="previous_season",
                degree_days=D("2346"),
                previous_degree_days=D("2000"),
            )
        )
        assert result.statements[2].voluntary_quantity == D("1173")
        assert result.statements[2].estimated
        assert result.statements[2].estimate_method == "previous_season"
        # Total 6,000 + 3,000 + 1,173 = 10,173 kWh; voluntary 750.00 € →
        # C: 750 × 1,173 / 10,173 = 86.479… → 86.48; involuntary 250 × 200/1000 = 50.00
        assert result.statements[2].total == D("136.48")

    def test_last_season_estimate_falls_back_to_the_average_without_a_previous_quantity(self):
        # C has no previous season: (6,000 + 3,000) / (500 + 300) = 11.25 kWh per
        # thousandth × 200 = 2,250 kWh.
        units = three_flats()
        units[2] = UnitInput(3, "C", D("200"), readings_valid=False)
        result = allocate(
            AllocationInput(
                units=units,
                fuel_cost=D("1000.00"),
                involuntary_share=D("0.25"),
                estimate_method="previous_season",
                degree_days=D("2346"),
                previous_degree_days=D("2000"),
            )
        )
        assert result.statements[2].voluntary_quantity == D("2250")
        assert result.statements[2].estimate_method == "average_per_thousandth"

    def test_measured_losses_do_not_count_an_estimated_unit_twice(self):
        # Generator 12,000 kWh; A and B read 6,000 + 3,000; C's meter is broken and is
        # estimated at 9,000 / 800 × 200 = 2,250 kWh. Losses: 12,000 − 11,250 = 750 kWh
        # (not 3,000 kWh, which would bill C's heat once as an estimate and again as
        # losses). Involuntary share 750/12,000 = 6.25%: of 1,200.00 € that is 75.00 €.
        units = three_flats()
        units[2] = UnitInput(3, "C", D("200"), readings_valid=False)
        result = allocate(
            AllocationInput(
                units=units,
                fuel_cost=D("1200.00"),
                involuntary_method="measured",
                generator_heat_kwh=D("12000"),
            )
        )
        assert result.involuntary_quantity == D("750")
        assert result.involuntary_share == D("0.0625")
        assert result.component_totals["fuel_involuntary"] == D("75.00")
        # C: 75 × 200/1000 = 15.00 + 1,125 × 2,250/11,250 = 225.00
        assert result.statements[2].total == D("240.00")

    def test_other_costs_each_with_its_key(self):
        # Maintenance 300.00 by property thousandths 400/350/250 → 120.00 / 105.00 / 75.00
        # Reading service 90.00 per unit → 30.00 each
        # Pump electricity 150.00 like the fuel (20% by heat thousandths, 80% by meters)
        result = allocate(
            AllocationInput(
                units=three_flats(),
                fuel_cost=D("0.00"),
                involuntary_share=D("0.20"),
                other_costs=[
                    CostItem("maintenance", D("300.00"), "property_thousandths"),
                    CostItem("reading_service", D("90.00"), "per_unit"),
                    CostItem("pumps", D("150.00"), "as_fuel"),
                ],
            )
        )
        a, b, c = result.statements
        assert [s.components["maintenance"] for s in (a, b, c)] == [
            D("120.00"),
            D("105.00"),
            D("75.00"),
        ]
        assert {s.components["reading_service"] for s in (a, b, c)} == {D("30.00")}
        # pumps: 30.00 involuntary → 15.00/9.00/6.00; 120.00 voluntary → 72.00/36.00/12.00
        assert a.components["pumps_involuntary"] + a.components["pumps_voluntary"] == D("87.00")
        assert result.total == D("540.00")

    def test_a_unit_that_consumed_nothing_still_pays_its_fixed_shares(self):
        result = allocate(
            AllocationInput(
                units=three_flats(c="0"), fuel_cost=D("900.00"), involuntary_share=D("0.3")
            )
        )
        assert result.statements[2].components["fuel_voluntary"] == D("0.00")
        assert result.statements[2].components["fuel_involuntary"] == D("54.00")  # 270 × 200/1000
        assert not result.statements[2].estimated

    def test_when_nobody_consumed_the_voluntary_part_goes_by_thousandths(self):
        # Nothing to split by consumption: 100.00 € all by 500/300/200.
        result = allocate(
            AllocationInput(
                units=three_flats("0", "0", "0"), fuel_cost=D("100.00"), involuntary_share=D("0.2")
            )
        )
        assert totals(result) == [D("50.00"), D("30.00"), D("20.00")]

    def test_report_share_gives_the_implied_network_losses(self):
        # Voluntary 10,000 kWh is 80% of the total: total 12,500, losses 2,500 kWh.
        result = allocate(
            AllocationInput(units=three_flats(), fuel_cost=D("1.00"), involuntary_share=D("0.2"))
        )
        assert result.involuntary_quantity == D("2500")
        assert result.measure == "kWh"


class TestRounding:
    def test_three_equal_shares_of_a_hundred(self):
        # 10,000 cents / 3 = 3,333.33… each: floors 3,333 × 3 = 9,999, one cent left;
        # the remainders tie, so it goes to the first unit.
        assert split_cents(D("100.00"), [1, 1, 1]) == [D("33.34"), D("33.33"), D("33.33")]

    def test_left_over_cents_go_to_the_largest_remainders(self):
        # 1.00 € by 1 : 2 : 3 : 4 (of 10) → 10 / 20 / 30 / 40 cents exactly; by
        # 1 : 1 : 1 : 4 (of 7) → 14.28 / 14.28 / 14.28 / 57.14: floors 14+14+14+57 = 99,
        # remainders .28 .28 .28 .14 → the cent goes to the first .28.
        assert split_cents(D("1.00"), [1, 2, 3, 4]) == [D("0.10"), D("0.20"), D("0.30"), D("0.40")]
        assert split_cents(D("1.00"), [1, 1, 1, 4]) == [D("0.15"), D("0.14"), D("0.14"), D("0.57")]

    def test_fuel_is_rounded_per_unit_before_it_is_cut_into_its_two_parts(self):
        # 0.27 €, half by thousandths 1 : 1, half by consumption 1 : 0. Exact cents:
        #   A: 6.75 + 13.5 = 20.25, B: 6.75 + 0 = 6.75 → unit totals by largest
        #   remainder: floors 20 + 6 = 26, the cent left goes to B (.75) → 20 / 7.
        # B consumed nothing, so its 7 cents are all involuntary; the involuntary
        # column (13.5) rounds half up to 14, so A's involuntary is 7, its voluntary 13.
        first, second = split_in_two(D("0.27"), Fraction(1, 2), [1, 1], [1, 0])
        assert first == [D("0.07"), D("0.07")]
        assert second == [D("0.13"), D("0.00")]

    @settings(max_examples=300, deadline=None)
    @given(
        st.integers(min_value=0, max_value=10_000_000),
        st.fractions(min_value=0, max_value=1, max_denominator=1000),
        st.lists(st.integers(0, 9), min_size=1, max_size=8).filter(any),
        st.data(),
    )
    def test_two_part_split_keeps_every_part_within_a_cent(self, cents, share, heat, data):
        consumption = data.draw(
            st.lists(st.integers(0, 9), min_size=len(heat), max_size=len(heat)).filter(any)
        )
        first, second = split_in_two(D(cents).scaleb(-2), share, heat, consumption)
        assert sum(first) + sum(second) == D(cents).scaleb(-2)
        for index in range(len(heat)):
            exact_first = Fraction(cents) * share * heat[index] / sum(heat)
            exact_second = Fraction(cents) * (1 - share) * consumption[index] / sum(consumption)
            assert floor(exact_first) <= first[index] * 100 <= ceil(exact_first)
            assert floor(exact_second) <= second[index] * 100 <= ceil(exact_second)

    def test_amounts_keep_two_decimals(self):
        assert [str(part) for part in split_cents(D("2"), [1, 1])] == ["1.00", "1.00"]

    def test_amount_with_fractions_of_a_cent_is_refused(self):
        with pytest.raises(AllocationInputError):
            split_cents(D("10.001"), [1, 2])


class TestInputErrors:
    @pytest.mark.parametrize(
        "change, field",
        [
            ({"units": [UnitInput(1, "A", D("600"), heat_kwh=D("1"))]}, "millesimi_heat"),
            ({"fuel_cost": D("-1")}, "fuel_cost"),
            ({"other_costs": [CostItem("x", D("-5"), "per_unit")]}, "costs"),
            ({"other_costs": [CostItem("x", D("5"), "by_mood")]}, "costs"),
            (
                {
                    "other_costs": [CostItem("x", D("5"), "property_thousandths")],
                    "units": [UnitInput(1, "A", D("1000"), D("10"), heat_kwh=D("1"))],
                },
                "millesimi_property",
            ),
            ({"involuntary_share": None}, "involuntary_share"),
            ({"involuntary_share": D("1")}, "involuntary_share"),
            (
                {
                    "involuntary_method": "compensation",
                    "voluntary_share": D("0.6"),
                    "requirement_difference": D("0.55"),
                    "period_end": BEFORE_73_2020,
                },
                "voluntary_share",
            ),
            (
                {"involuntary_method": "measured", "generator_heat_kwh": D("5000")},
                "generator_heat_kwh",
            ),
            ({"units": [UnitInput(1, "A", D("1000"), readings_valid=False)]}, "units"),
            (
                {"units": [UnitInput(1, "A", None, heat_kwh=D("1"))]},  # a unit without a key
                "millesimi_heat",
            ),
            (
                {
                    "units": [
                        UnitInput(1, "A", D("500"), heat_kwh=D("1")),
                        UnitInput(
                            2, "B", D("500"), radiators=[RadiatorReading(D("1"), D("1"), D("1"))]
                        ),
                    ]
                },
                "units",
            ),
            (
                {
                    "units": [
                        UnitInput(
                            1, "A", D("1000"), radiators=[RadiatorReading(D("1"), D("0"), D("1"))]
                        )
                    ]
                },
                "radiators",
            ),
            ({"units": [UnitInput(1, "A", D("1000"), heat_kwh=D("-1"))]}, "heat_kwh"),
            ({"other_costs": [CostItem("fuel", D("5"), "per_unit")]}, "costs"),
            ({"other_costs": [CostItem("fuel_voluntary", D("5"), "per_unit")]}, "costs"),
            (
                {
                    "other_costs": [
                        CostItem("pumps", D("5"), "as_fuel"),
                        CostItem("pumps_voluntary", D("5"), "per_unit"),
                    ]
                },
                "costs",
            ),
            (
                {
                    "other_costs": [
                        CostItem("pumps", D("5"), "per_unit"),
                        CostItem("pumps", D("5"), "per_unit"),
                    ]
                },
                "costs",
            ),
            (
                {
                    "involuntary_method": "compensation",
                    "voluntary_share": D("0.8"),
                    "requirement_difference": D("0.4"),
                    "period_end": BEFORE_73_2020,
                },
                "requirement_difference",
            ),
            (
                {
                    "involuntary_method": "compensation",
                    "voluntary_share": D("0.8"),
                    "period_end": BEFORE_73_2020,
                },
                "requirement_difference",
            ),
            (
                {
                    "involuntary_method": "measured",
                    "generator_heat_kwh": D("50000"),
                    "units": [
                        UnitInput(
                            1, "A", D("1000"), radiators=[RadiatorReading(D("1"), D("1"), D("1"))]
                        )
                    ],
                },
                "involuntary_method",
            ),
            ({"involuntary_method": "measured"}, "generator_heat_kwh"),
            ({"involuntary_method": "by_mood"}, "involuntary_method"),
            ({"estimate_method": "guess"}, "estimate_method"),
            (
                {
                    "units": [
                        UnitInput(1, "A", D("800"), heat_kwh=D("1")),
                        UnitInput(2, "B", D("200"), readings_valid=False, previous_quantity=D("5")),
                    ],
                    "estimate_method": "previous_season",
                },
                "degree_days",
            ),
            ({"units": []}, "units"),
        ],
    )
    def test_missing_or_wrong_input_names_the_field(self, change, field):
        base = {"units": three_flats(), "fuel_cost": D("100.00"), "involuntary_share": D("0.2")}
        with pytest.raises(AllocationInputError) as exc:
            allocate(AllocationInput(**{**base, **change}))
        assert exc.value.field == field


readings = st.lists(st.integers(min_value=0, max_value=50_000), min_size=2, max_size=12)
money = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: D(cents) / 100)
k_factors = st.sampled_from([D("0.8"), D("1"), D("1.15"), D("1.6"), D("2.35")])


def thousandths(n: int) -> list[D]:
    """Thousandths split as evenly as the count allows, summing to exactly 1000."""
    base, extra = divmod(1000, n)
    return [D(base + (1 if i < extra else 0)) for i in range(n)]


def units_for(kwh: list[int], broken: frozenset[int] = frozenset()) -> list[UnitInput]:
    """Units with heat meters reading ``kwh``; those in ``broken`` are estimated."""
    return [
        UnitInput(i, f"U{i}", m, m, heat_kwh=D(value), readings_valid=i not in broken)
        for i, (m, value) in enumerate(zip(thousandths(len(kwh)), kwh, strict=True))
    ]


def allocator_units(counts: list[int], k: D) -> list[UnitInput]:
    """Units with two radiators each, the second one rated ``k`` and read 3 × as much."""
    return [
        UnitInput(
            i,
            f"U{i}",
            m,
            radiators=[
                RadiatorReading(D(value), D("1"), D("1")),
                RadiatorReading(D(3 * value), k, D("0.95")),
            ],
        )
        for i, (m, value) in enumerate(zip(thousandths(len(counts)), counts, strict=True))
    ]


# The three ways of fixing the involuntary part, for readings in kWh summing to ``kwh``.
def method_options(method: str, kwh: list[int]) -> dict:
    if method == "measured":
        # Large enough for any estimate: at most every reading over the fewest thousandths.
        return {"involuntary_method": "measured", "generator_heat_kwh": D(1000 * (sum(kwh) + 1))}
    if method == "compensation":
        return {
            "involuntary_method": "compensation",
            "voluntary_share": D("0.75"),
            "requirement_difference": D("0.6"),
            "period_end": BEFORE_73_2020,
        }
    if method == "assembly":
        return {
            "involuntary_method": "assembly",
            "voluntary_share": D("0.55"),
            "fixed_key": "heat_thousandths",
        }
    return {"involuntary_share": D("0.2")}


methods = st.sampled_from(["share", "measured", "assembly", "compensation"])


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(readings, money, money, st.integers(min_value=0, max_value=90), methods, st.data())
    def test_statements_add_up_to_the_costs_to_the_cent(
        self, kwh, fuel, other, share, method, data
    ):
        broken = frozenset(data.draw(st.sets(st.integers(0, len(kwh) - 2), max_size=3)))
        options = method_options(method, kwh)
        if method == "share":
            options["involuntary_share"] = D(share) / 100
        result = allocate(
            AllocationInput(
                units=units_for(kwh, broken),
                fuel_cost=fuel,
                other_costs=[
                    CostItem("maintenance", other, "property_thousandths"),
                    CostItem("reading", other, "per_unit"),
                    CostItem("pumps", other, "as_fuel"),
                    CostItem("water", other, "consumption"),
                    CostItem("chimney", other, "heat_thousandths"),
                ],
                **options,
            )
        )
        assert sum(totals(result)) == fuel + 5 * other
        assert result.total == fuel + 5 * other
        for name, amount in result.component_totals.items():
            assert sum(s.components[name] for s in result.statements) == amount
        assert all(s.total >= 0 for s in result.statements)
        assert [s.estimated for s in result.statements] == [i in broken for i in range(len(kwh))]

    @settings(max_examples=100, deadline=None)
    @given(
        readings.filter(lambda r: sum(r) > 0),
        money,
        st.integers(min_value=2, max_value=1000),
        methods.filter(lambda m: m != "measured"),
        k_factors,
    )
    def test_scaling_every_reading_by_one_factor_changes_nothing(
        self, counts, fuel, factor, method, k
    ):
        def run(values):
            return totals(
                allocate(
                    AllocationInput(
                        units=allocator_units(values, k),
                        fuel_cost=fuel,
                        **method_options(method, values),
                    )
                )
            )

        assert run(counts) == run([value * factor for value in counts])

    @settings(max_examples=60, deadline=None)
    @given(readings.filter(lambda r: sum(r) > 0), money, st.integers(min_value=2, max_value=1000))
    def test_scaling_meters_and_generator_together_changes_nothing(self, kwh, fuel, factor):
        def run(values, generator):
            return totals(
                allocate(
                    AllocationInput(
                        units=units_for(values),
                        fuel_cost=fuel,
                        involuntary_method="measured",
                        generator_heat_kwh=D(generator),
                    )
                )
            )

        generator = sum(kwh) * 3 // 2
        assert run(kwh, generator) == run([v * factor for v in kwh], generator * factor)

    @settings(max_examples=150, deadline=None)
    @given(readings, money, methods, st.data())
    def test_a_unit_that_consumes_more_never_pays_less(self, kwh, fuel, method, data):
        index = data.draw(st.integers(min_value=0, max_value=len(kwh) - 1))
        more = list(kwh)
        more[index] += data.draw(st.integers(min_value=1, max_value=10_000))
        # The same options for both runs (a generator big enough for the larger one).
        options = method_options(method, more)
        broken = frozenset(
            data.draw(st.sets(st.integers(0, len(kwh) - 1).filter(lambda i: i != index)))
        )
        if len(broken) == len(kwh) - 1 and sum(kwh[i] for i in range(len(kwh)) if i == index) == 0:
            broken = frozenset()  # keep something to average over

        def pays(values):
            return (
                allocate(
                    AllocationInput(units=units_for(values, broken), fuel_cost=fuel, **options)
                )
                .statements[index]
                .total
            )

        assert pays(more) >= pays(kwh)

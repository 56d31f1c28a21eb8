"""Pre-positioning: transfers with known answers on small networks.

The network: a hub that serves no region, ``fc_n`` serving region ``north`` and ``fc_s``
serving ``south``; the hub reaches both in 24 h at 10 per unit; stock must be in place two
days after ``NOW``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from baro.core.errors import InvalidRequest
from baro.intelligence.anticipate import Sites, TransferPlan, plan_transfers, synthetic_problem

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PERIOD = date(2024, 3, 3)
NEED_BY = datetime(2024, 3, 3, tzinfo=UTC)


def network(
    stock: list[tuple[str, str, int]],
    *,
    capacity: dict[str, int] | None = None,
    catchment: list[tuple[str, str, float]] | None = None,
    lanes: list[tuple[str, str, float, int]] | None = None,
) -> Sites:
    capacity = capacity or {}
    catchment = catchment or [("fc_n", "north", 4.0), ("fc_s", "south", 6.0)]
    lanes = lanes or [("hub", "fc_n", 24.0, 10), ("hub", "fc_s", 24.0, 10)]
    names = ["hub", "fc_n", "fc_s", "fc_e"]
    return Sites(
        facilities=pl.DataFrame(
            {"facility_id": names, "capacity_units": [capacity.get(n) for n in names]},
            schema_overrides={"capacity_units": pl.Int64},
        ),
        stock=pl.DataFrame(stock, schema=["facility_id", "product_id", "units"], orient="row"),
        catchment=pl.DataFrame(
            catchment, schema=["facility_id", "region", "transit_hours"], orient="row"
        ),
        lanes=pl.DataFrame(
            lanes, schema=["from_facility", "to_facility", "lead_hours", "cost_minor"], orient="row"
        ),
    )


def forecast(rows: list[tuple[str, str, float]], **extra: list) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=["product_id", "region", "mean"], orient="row")
    return frame.with_columns(period=pl.lit(PERIOD), **{k: pl.Series(v) for k, v in extra.items()})


def plan(
    demand: pl.DataFrame, sites: Sites, *, budget: int = 1_000, unit_value_minor: int | None = 1_000
) -> TransferPlan:
    return plan_transfers(
        demand, sites, budget_units=budget, now=NOW, unit_value_minor=unit_value_minor
    )


def moved(result: TransferPlan) -> list[tuple[str, str, str, int]]:
    return [
        (r["product_id"], r["from_facility"], r["to_facility"], r["quantity"])
        for r in result.transfers.iter_rows(named=True)
    ]


def held(result: TransferPlan) -> dict[tuple[str, str], int]:
    return {
        (r["facility_id"], r["product_id"]): r["units_after"]
        for r in result.positions.iter_rows(named=True)
    }


# --- certain forecasts: stock goes exactly where demand is ------------------------------


def test_certain_forecast_places_stock_exactly_where_demand_is() -> None:
    sites = network([("hub", "p1", 50), ("hub", "p2", 50)])
    demand = forecast([("p1", "north", 7), ("p1", "south", 3), ("p2", "north", 5)])

    result = plan(demand, sites)

    assert moved(result) == [
        ("p1", "hub", "fc_n", 7),
        ("p1", "hub", "fc_s", 3),
        ("p2", "hub", "fc_n", 5),
    ]
    assert held(result) == {("fc_n", "p1"): 7, ("fc_s", "p1"): 3, ("fc_n", "p2"): 5}
    assert result.expected_local_fill() == pytest.approx(1.0)
    assert result.expected_local_fill(after=False) == 0.0


def test_transfers_say_when_to_ship_and_what_they_cost() -> None:
    sites = network([("hub", "p1", 50)])

    result = plan(forecast([("p1", "north", 7)]), sites)

    row = result.transfers.row(0, named=True)
    assert row["arrive_by"] == NEED_BY  # midnight of the forecast's first day
    assert row["ship_by"] == NEED_BY - timedelta(hours=24)  # the lane's lead time before
    assert row["cost_minor"] == 7 * 10


def test_stock_already_in_place_is_topped_up_not_replaced() -> None:
    sites = network([("hub", "p1", 50), ("fc_n", "p1", 4)])

    result = plan(forecast([("p1", "north", 7)]), sites)

    assert moved(result) == [("p1", "hub", "fc_n", 3)]


def test_a_region_goes_to_its_nearest_facility() -> None:
    catchment = [("fc_n", "north", 4.0), ("fc_s", "north", 30.0), ("fc_s", "south", 6.0)]
    sites = network([("hub", "p1", 50)], catchment=catchment)

    result = plan(forecast([("p1", "north", 5)]), sites)

    assert moved(result) == [("p1", "hub", "fc_n", 5)]


def test_serving_facilities_rebalance_when_the_hub_is_empty() -> None:
    lanes = [("fc_s", "fc_n", 36.0, 15)]
    sites = network([("fc_s", "p1", 6)], lanes=lanes)

    # The budget is what is forward already: a move between serving facilities stays within it.
    result = plan(forecast([("p1", "north", 4)]), sites, budget=6)

    assert moved(result) == [("p1", "fc_s", "fc_n", 4)]


# --- uncertain forecasts: the newsvendor ----------------------------------------------


def test_uncertain_demand_is_stocked_to_its_critical_fractile() -> None:
    # Demand Normal(10, 2); a unit filled is worth 1,000, a move costs 100. Unit k is worth
    # moving when 1,000 * P(D > x) over (k-1, k] exceeds 100: about 1,000 * P(D > 12.5) = 106
    # for the 13th, 1,000 * P(D > 13.5) = 40 for the 14th. A point forecast would stock 10.
    sites = network([("hub", "p1", 50)], lanes=[("hub", "fc_n", 24.0, 100)])

    result = plan(forecast([("p1", "north", 10.0)], std=[2.0]), sites)

    assert moved(result) == [("p1", "hub", "fc_n", 13)]
    in_stock = result.positions["in_stock_probability"][0]
    assert in_stock == pytest.approx(0.933, abs=1e-3)  # P(D <= 13) = Phi(1.5)


def test_prediction_bounds_give_the_same_plan_as_their_std() -> None:
    sites = network([("hub", "p1", 50)], lanes=[("hub", "fc_n", 24.0, 100)])
    bounds = forecast(
        [("p1", "north", 10.0)], lo_80=[7.4368969], hi_80=[12.5631031], hi_95=[13.919928]
    )

    assert moved(plan(bounds, sites)) == [("p1", "hub", "fc_n", 13)]


# --- the budget ---------------------------------------------------------------------------


def test_a_short_budget_fills_the_most_valuable_regions_first() -> None:
    catchment = [("fc_n", "north", 4.0), ("fc_s", "south", 6.0), ("fc_e", "east", 5.0)]
    lanes = [("hub", f, 24.0, 10) for f in ("fc_n", "fc_s", "fc_e")]
    sites = network([("hub", "p1", 50)], catchment=catchment, lanes=lanes)
    demand = forecast(
        [("p1", "north", 5), ("p1", "south", 5), ("p1", "east", 5)],
        value_minor=[900, 400, 200],
    )

    result = plan(demand, sites, budget=8)

    assert moved(result) == [("p1", "hub", "fc_n", 5), ("p1", "hub", "fc_s", 3)]


def test_the_budget_counts_stock_already_forward() -> None:
    sites = network([("hub", "p1", 50), ("fc_n", "p1", 3)])

    result = plan(forecast([("p1", "north", 10)]), sites, budget=5)

    assert moved(result) == [("p1", "hub", "fc_n", 2)]


def test_a_zero_budget_gives_an_empty_plan_that_says_so() -> None:
    sites = network([("hub", "p1", 50)])

    result = plan(forecast([("p1", "north", 7)]), sites, budget=0)

    assert result.transfers.is_empty()
    assert result.transfers.columns == [
        "product_id",
        "from_facility",
        "to_facility",
        "quantity",
        "ship_by",
        "arrive_by",
        "cost_minor",
    ]
    assert any("budget_units is 0" in note for note in result.notes)
    assert result.expected_local_fill() == 0.0


# --- capacity, lanes, missing pieces -------------------------------------------------------


def test_capacity_is_respected_across_products() -> None:
    sites = network([("hub", "p1", 50), ("fc_n", "p2", 2)], capacity={"fc_n": 6})

    result = plan(forecast([("p1", "north", 10)]), sites)

    assert moved(result) == [("p1", "hub", "fc_n", 4)]  # 2 of p2 already take 2 of the 6


def test_a_product_without_forecast_gets_nothing() -> None:
    sites = network([("hub", "p1", 50), ("hub", "p9", 50)])

    result = plan(forecast([("p1", "north", 7)]), sites)

    assert [row[0] for row in moved(result)] == ["p1"]
    assert "p9" not in result.positions["product_id"].to_list()


def test_a_region_without_facility_is_reported_not_crashed() -> None:
    sites = network([("hub", "p1", 50)])

    result = plan(forecast([("p1", "north", 6), ("p1", "west", 2)]), sites)

    assert moved(result) == [("p1", "hub", "fc_n", 6)]
    assert result.unserved.rows() == [("west", "p1", 2.0)]
    assert any("no facility serving them" in note and "west" in note for note in result.notes)
    assert result.expected_local_fill() == pytest.approx(6 / 8)


def test_a_lane_too_slow_for_the_deadline_is_not_used() -> None:
    sites = network([("hub", "p1", 50)], lanes=[("hub", "fc_n", 72.0, 10)])

    result = plan(forecast([("p1", "north", 7)]), sites)

    assert result.transfers.is_empty()
    assert any("1 lane(s) take longer" in note for note in result.notes)
    assert any("no stock of a product in demand can reach" in note for note in result.notes)


def test_a_move_that_costs_more_than_it_fills_is_not_made() -> None:
    sites = network([("hub", "p1", 50)], lanes=[("hub", "fc_n", 24.0, 2_000)])

    result = plan(forecast([("p1", "north", 7)]), sites)

    assert result.transfers.is_empty()
    assert any("none raises the value" in note for note in result.notes)


# --- bad input: a clear error --------------------------------------------------------------


def test_negative_stock_is_refused_with_the_row() -> None:
    with pytest.raises(InvalidRequest, match=r"stock: units must be >= 0: .*fc_n.*p1.*-3"):
        network([("fc_n", "p1", -3)])


def test_an_unknown_facility_in_the_catchment_is_refused() -> None:
    with pytest.raises(InvalidRequest, match=r"catchment\.facility_id names .* fc_x"):
        network([], catchment=[("fc_x", "north", 4.0)])


@pytest.mark.parametrize(
    ("demand", "kwargs", "message"),
    [
        (forecast([("p1", "north", -1)]), {}, "forecast: mean must be >= 0"),
        (forecast([("p1", "north", 5)], hi_80=[3.0]), {}, "the spread must be >= 0"),
        (forecast([("p1", "north", 5), ("p1", "north", 6)]), {}, "may appear once"),
        (forecast([("p1", "north", 5)]).drop("mean"), {}, "forecast lacks column"),
        (forecast([("p1", "north", 5)]), {"unit_value_minor": None}, "pass unit_value_minor"),
        (forecast([("p1", "north", 5)]), {"budget": -1}, "budget_units must be >= 0"),
    ],
)
def test_bad_forecasts_and_arguments_are_refused(
    demand: pl.DataFrame, kwargs: dict, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        plan(demand, network([("hub", "p1", 5)]), **kwargs)


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="timezone-aware"):
        plan_transfers(
            forecast([("p1", "north", 5)]),
            network([("hub", "p1", 5)]),
            budget_units=5,
            now=NOW.replace(tzinfo=None),
            unit_value_minor=1_000,
        )


# --- a larger synthetic problem: the constraints hold --------------------------------------


def test_a_synthetic_plan_keeps_budget_capacity_and_stock() -> None:
    problem = synthetic_problem(60, 9, 3, seed=3, now=NOW)

    result = plan_transfers(
        problem.forecast, problem.sites, budget_units=problem.budget_units, now=problem.now
    )

    sites = problem.sites
    after = (
        sites.stock.join(
            result.transfers.group_by(facility_id="to_facility", product_id="product_id").agg(
                inflow=pl.col("quantity").sum()
            ),
            on=["facility_id", "product_id"],
            how="full",
            coalesce=True,
        )
        .join(
            result.transfers.group_by(facility_id="from_facility", product_id="product_id").agg(
                outflow=pl.col("quantity").sum()
            ),
            on=["facility_id", "product_id"],
            how="full",
            coalesce=True,
        )
        .fill_null(0)
        .with_columns(units_after=pl.col("units") + pl.col("inflow") - pl.col("outflow"))
    )
    assert after.filter(pl.col("outflow") > pl.col("units")).is_empty()
    per_facility = after.group_by("facility_id").agg(pl.col("units", "units_after").sum())
    capacity = per_facility.join(sites.facilities, on="facility_id").filter(
        pl.col("capacity_units").is_not_null()
        & (pl.col("units_after") > pl.max_horizontal("capacity_units", "units"))
    )
    assert capacity.is_empty()
    forward = per_facility.filter(pl.col("facility_id").is_in(list(sites.forward())))
    assert forward["units_after"].sum() <= max(problem.budget_units, forward["units"].sum())
    assert not result.transfers.is_empty()
    assert result.expected_local_fill() > result.expected_local_fill(after=False)

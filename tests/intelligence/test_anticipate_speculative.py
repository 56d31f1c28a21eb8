"""Speculative shipping: a unit moves toward likely buyers when its chance pays for the move
and the waste; the counter says how many were assigned and how many wasted.

The network: a hub; ``fc_n`` serves ``north``, ``fc_s`` serves ``south``; the hub reaches
each in 12 h at 100 per unit. Re-routing a wasted unit costs ``WASTE``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from baro.core.errors import InvalidRequest
from baro.intelligence.anticipate import Sites, SpeculativePlan, count_outcomes, speculate

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
WASTE = 100
CUSTOMERS = pl.DataFrame(
    {
        "customer_id": ["c1", "c2", "c3", "c4"],
        "region": ["north", "north", "south", "west"],
    }
)


def network(stock: list[tuple[str, str, int]]) -> Sites:
    return Sites(
        facilities=pl.DataFrame(
            {"facility_id": ["hub", "fc_n", "fc_s"], "capacity_units": [None, None, None]},
            schema_overrides={"capacity_units": pl.Int64},
        ),
        stock=pl.DataFrame(stock, schema=["facility_id", "product_id", "units"], orient="row"),
        catchment=pl.DataFrame(
            {"facility_id": ["fc_n", "fc_s"], "region": ["north", "south"], "transit_hours": 4.0}
        ),
        lanes=pl.DataFrame(
            {
                "from_facility": ["hub", "hub"],
                "to_facility": ["fc_n", "fc_s"],
                "lead_hours": [12.0, 12.0],
                "cost_minor": [100, 100],
            }
        ),
    )


def chances(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["customer_id", "product_id", "probability"], orient="row")


def run(rows: list[tuple[str, str, float]], sites: Sites, value: int = 300) -> SpeculativePlan:
    return speculate(
        chances(rows), CUSTOMERS, sites, now=NOW, waste_cost_minor=WASTE, unit_value_minor=value
    )


def moves(result: SpeculativePlan) -> list[tuple[str, str, str, int]]:
    return [
        (r["product_id"], r["from_facility"], r["to_facility"], r["quantity"])
        for r in result.moves.iter_rows(named=True)
    ]


def test_a_certain_buyer_gets_a_unit_moved_toward_them() -> None:
    result = run([("c1", "p1", 1.0)], network([("hub", "p1", 5)]))

    assert moves(result) == [("p1", "hub", "fc_n", 1)]
    row = result.moves.row(0, named=True)
    assert (row["ship_at"], row["arrive_at"]) == (NOW, NOW + timedelta(hours=12))
    assert result.expected_waste_units == pytest.approx(0.0)


def test_an_unlikely_buyer_gets_nothing_moved() -> None:
    result = run([("c1", "p1", 0.001)], network([("hub", "p1", 5)]))

    assert result.moves.is_empty()
    assert any("no unit's chance of a buyer pays" in note for note in result.notes)


@pytest.mark.parametrize(("probability", "units"), [(0.55, 1), (0.45, 0)])
def test_a_unit_moves_when_its_chance_beats_move_and_waste(probability: float, units: int) -> None:
    # Worth it when p * 300 > 100 + (1 - p) * 100, i.e. p > 200 / 400 = 1/2: the waste is
    # paid only by a unit nobody buys.
    result = run([("c1", "p1", probability)], network([("hub", "p1", 5)]))

    assert result.units == units


def test_buyers_of_one_region_share_the_units_sent_toward_them() -> None:
    # Two customers at 1/2: the first unit finds a buyer with 3/4, worth 3/4 * (300 + 100) =
    # 300 > 100 + 100; the second with 1/4, worth 100 < 200. One unit, expected waste 1/4.
    result = run([("c1", "p1", 0.5), ("c2", "p1", 0.5)], network([("hub", "p1", 5)]))

    assert moves(result) == [("p1", "hub", "fc_n", 1)]
    assert result.expected_waste_units == pytest.approx(0.25)
    assert result.destinations.select("expected_buyers", "expected_assigned").row(0) == (
        pytest.approx(1.0),
        pytest.approx(0.75),
    )


def test_stock_already_near_the_buyer_is_used_first() -> None:
    result = run([("c1", "p1", 1.0)], network([("hub", "p1", 5), ("fc_n", "p1", 1)]))

    assert result.moves.is_empty()


def test_a_customer_no_facility_serves_is_reported() -> None:
    result = run([("c4", "p1", 1.0), ("c3", "p1", 1.0)], network([("hub", "p1", 5)]))

    assert moves(result) == [("p1", "hub", "fc_s", 1)]
    assert result.unserved.rows() == [("c4", "p1", "west")]


def test_scarce_stock_goes_to_the_likelier_buyers() -> None:
    result = run([("c1", "p1", 0.9), ("c3", "p1", 0.7)], network([("hub", "p1", 1)]))

    assert moves(result) == [("p1", "hub", "fc_n", 1)]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("c1", "p1", 1.5)], r"probability must lie in \[0, 1\]"),
        ([("c9", "p1", 0.5)], "customer_id not in customers"),
        ([("c1", "p1", 0.5), ("c1", "p1", 0.6)], "may appear once"),
    ],
)
def test_bad_probabilities_are_refused(rows: list, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        run(rows, network([("hub", "p1", 5)]))


# --- the waste counter ------------------------------------------------------------------


def test_the_counter_assigns_units_to_orders_from_their_region_and_counts_the_rest() -> None:
    sent = pl.DataFrame(
        {
            "product_id": ["p1", "p2", "p3"],
            "to_facility": ["fc_n", "fc_s", "fc_n"],
            "quantity": [3, 2, 1],
        }
    )
    orders = pl.DataFrame(
        {
            # p1: two units ordered in the north for three sent; p2: three ordered in the
            # south for two sent; p3: ordered, but in the south, and its unit waits north;
            # c4 lives where no facility serves.
            "customer_id": ["c1", "c2", "c3", "c3", "c4"],
            "product_id": ["p1", "p1", "p2", "p3", "p1"],
            "quantity": [1, 1, 3, 1, 4],
        }
    )

    outcome = count_outcomes(sent, orders, CUSTOMERS, network([]))

    assert outcome.rows() == [
        # product, facility, moved, ordered, assigned, wasted
        ("p1", "fc_n", 3, 2, 2, 1),
        ("p2", "fc_s", 2, 3, 2, 0),
        ("p3", "fc_n", 1, 0, 0, 1),
    ]

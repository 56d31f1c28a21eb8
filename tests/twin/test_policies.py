"""The stock policies: the same world for all, the budget, stock where demand is, graceful
degradation, and nothing from the test period reaching a policy that must not know it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import pytest

from baro.twin.policies import POLICIES
from baro.twin.replay import ReplayData
from baro.twin.stocking import apportion, inventory_budget
from tests.twin.test_twin import CITIES, products, tiny_places

TEST_FROM = date(2017, 6, 5)  # a Monday, after 16 weeks of history
PLANNERS = ("central", "proportional", "anticipate")


def regional_replay(weeks: int = 20) -> ReplayData:
    """Each city's customer buys its own product every day (p0 in SP, p1 in RJ, p2 in MG)
    and, every third day, the shared p3; from the seller in its own city."""
    sellers, customers = tiny_places()
    orders, lines = [], []
    first = datetime.combine(TEST_FROM - timedelta(weeks=16), time(12), UTC)
    for day in range(weeks * 7):
        for city in range(len(CITIES)):
            order_id = f"o{day:03d}{city}"
            at = first + timedelta(days=day, minutes=10 * city)
            orders.append(
                {
                    "order_id": order_id,
                    "customer_key": f"c{city}",
                    "purchased_at": at,
                    "approved_at": at,
                    "carrier_at": at + timedelta(hours=24),
                    "delivered_at": at + timedelta(hours=72),
                    "estimated_at": at + timedelta(days=5),
                    "status": "delivered",
                }
            )
            bought = [f"p{city}"] + (["p3"] if day % 3 == city else [])
            lines.extend(
                {
                    "order_id": order_id,
                    "product_id": product,
                    "seller_id": f"s{city}",
                    "quantity": 1,
                    "price_minor": 1000,
                }
                for product in bought
            )
    return ReplayData(
        "regional",
        "BRL",
        pl.DataFrame(orders),
        pl.DataFrame(lines, schema_overrides={"quantity": pl.Int32}),
        customers,
        sellers,
        products(),
    )


def split(replay: ReplayData) -> tuple[ReplayData, ReplayData]:
    """(test, history): four weeks from TEST_FROM, and everything before."""
    return replay.between(TEST_FROM, TEST_FROM + timedelta(weeks=4)), replay.between(
        None, TEST_FROM
    )


def centre_stock(policy: str, test: ReplayData, history: ReplayData) -> pl.DataFrame:
    """key, state, product_id, units: what the policy put in its centres."""
    placement = POLICIES[policy].place(test, history)
    states = placement.facilities.select("key", "state")
    return (
        placement.stock.filter(pl.col("key").is_in(list(placement.centres)))
        .join(states, on="key")
        .sort("key", "product_id")
    )


def poisoned(test: ReplayData) -> ReplayData:
    """The test period with other products, ten times the units, from other cities."""
    lines = test.lines.with_columns(
        product_id=pl.when(pl.col("product_id") == "p0").then(pl.lit("p2")).otherwise("product_id"),
        quantity=pl.col("quantity") * 10,
    )
    orders = test.orders.with_columns(customer_key=pl.lit("c0"))
    return replace(test, orders=orders, lines=lines)


@pytest.mark.parametrize("policy", PLANNERS)
def test_nothing_from_the_test_period_reaches_a_planning_policy(policy: str) -> None:
    test, history = split(regional_replay())
    honest = centre_stock(policy, test, history)
    assert honest["units"].sum() > 0
    assert centre_stock(policy, poisoned(test), history).equals(honest)


def test_the_oracle_does_read_the_test_period_so_the_leakage_test_can_fail() -> None:
    test, history = split(regional_replay())
    assert not centre_stock("oracle", poisoned(test), history).equals(
        centre_stock("oracle", test, history)
    )


def test_every_centre_policy_holds_the_units_sold_in_the_equally_long_period_before() -> None:
    test, history = split(regional_replay())
    before = history.between(TEST_FROM - timedelta(weeks=4), TEST_FROM)
    budget = int(before.lines["quantity"].sum())
    assert inventory_budget(history, test) == budget
    for policy in ("central", "proportional", "anticipate", "oracle"):
        assert centre_stock(policy, test, history)["units"].sum() == budget, policy


def test_anticipate_puts_each_citys_product_in_that_citys_centre() -> None:
    test, history = split(regional_replay())
    stock = centre_stock("anticipate", test, history)
    by_state = {
        (row["state"], row["product_id"]): row["units"] for row in stock.iter_rows(named=True)
    }
    for city, state in enumerate(CITIES):
        mine = by_state.get((state, f"p{city}"), 0)
        others = [by_state.get((other, f"p{city}"), 0) for other in CITIES if other != state]
        assert mine >= 20, (state, by_state)  # about 28 sell there in the four weeks
        assert all(other <= 2 for other in others), (state, by_state)


def test_central_puts_everything_in_one_centre_and_proportional_spreads_it() -> None:
    test, history = split(regional_replay())
    assert centre_stock("central", test, history)["key"].n_unique() == 1
    assert centre_stock("proportional", test, history)["key"].n_unique() == len(CITIES)


def test_no_history_degrades_to_the_sellers_shipping_and_says_why() -> None:
    replay = regional_replay()
    test, history = split(replay)
    nothing = history.between(None, date(2000, 1, 1))
    for policy in PLANNERS:
        placement = POLICIES[policy].place(test, nothing)
        assert placement.centres == frozenset()
        assert placement.stock["units"].sum() > 0  # the sellers still hold what they sell
        assert any("no orders before the test period" in note for note in placement.notes)


def test_too_little_history_to_forecast_stocks_as_proportional_and_says_why() -> None:
    test, history = split(regional_replay())
    short = history.between(TEST_FROM - timedelta(weeks=3), TEST_FROM)
    placement = POLICIES["anticipate"].place(test, short)
    assert any("no forecast" in note for note in placement.notes)
    assert centre_stock("anticipate", test, short).equals(centre_stock("proportional", test, short))


def test_apportion_gives_whole_units_that_add_up_to_each_groups_total() -> None:
    frame = pl.DataFrame(
        {
            "group": ["a", "a", "a", "b", "b"],
            "weight": [1.0, 1.0, 1.0, 3.0, 1.0],
            "total": [10] * 3 + [1] * 2,
        }
    )
    units = frame.with_columns(apportion(pl.col("total"), "weight", ["group"], ["weight"]))
    assert units.group_by("group").agg(pl.col("units").sum()).sort("group")["units"].to_list() == [
        10,
        1,
    ]
    assert units["units"].to_list() == [4, 3, 3, 1, 0]


@pytest.mark.parametrize("policy", PLANNERS)
def test_a_zero_budget_stocks_no_centre_and_the_sellers_still_ship(policy: str) -> None:
    """History ends eight weeks before the test: the equally long period before it sold
    nothing, so the budget is zero."""
    replay = regional_replay()
    test = replay.between(TEST_FROM, TEST_FROM + timedelta(weeks=4))
    old = replay.between(None, TEST_FROM - timedelta(weeks=8))

    placement = POLICIES[policy].place(test, old)

    assert inventory_budget(old, test) == 0
    assert centre_stock(policy, test, old)["units"].sum() == 0
    assert placement.stock["units"].sum() > 0  # the sellers' own

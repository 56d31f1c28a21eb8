"""Where stock sits before the orders come: the policies the twin compares.

A policy places facilities and stocks them; the real order services then allocate each line
exactly as in production. ``place(test, history)`` sees the period to replay and everything
before it: only ``baseline`` (Olist as it was) and ``oracle`` (an upper bound that knows the
future by construction) read the test's orders; every other policy decides from ``history``
alone (``tests/twin/test_policies.py`` poisons the test period and checks they do not move).
The world they share (centres, regions, budget, the sellers behind the centres) is
``stocking``; ``anticipate`` is in ``anticipation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

from baro.twin.anticipation import AnticipatoryStock
from baro.twin.replay import ReplayData
from baro.twin.stocking import (
    NO_HISTORY,
    Placement,
    central_stock,
    centre_sites,
    inventory_budget,
    known_before,
    proportional_stock,
    sellers_only,
    sellers_placement,
    sold_lines,
    with_sellers,
)


class StockPolicy(Protocol):
    name: str

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        """test: the period the twin replays; history: every order before it."""
        ...


@dataclass(frozen=True)
class SellerShipsBaseline:
    """How Olist worked: each seller keeps its own stock and ships from its own address."""

    name: str = "baseline"

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        facilities, stock = sellers_placement(test)
        return Placement(facilities, stock)


@dataclass(frozen=True)
class CentralStock:
    """The whole budget in one centre, the one whose region bought most before the test;
    each product gets the budget's share of its units sold then."""

    name: str = "central"

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        known = known_before(test, history)
        if known is None:
            return sellers_only(test, self.name)
        by_region = known.sold.group_by("region").agg(pl.col("quantity").sum())
        busiest = by_region.sort("quantity", "region")["region"][-1]
        return known.stocked(test, central_stock(known.sold, known.budget, busiest))


@dataclass(frozen=True)
class ProportionalStock:
    """The budget split by each region's share of each category's units sold before the
    test (``stocking.proportional_stock``)."""

    name: str = "proportional"

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        known = known_before(test, history)
        if known is None:
            return sellers_only(test, self.name)
        return known.stocked(test, proportional_stock(known.sold, known.budget))


@dataclass(frozen=True)
class OracleRegionalCenters:
    """An upper bound, not a forecast: the centres stocked with exactly what their regions
    will buy in the test period, within the budget (the earliest purchases first when the
    budget is short). The centres are the other policies' (sited on the history); with no
    history, they are sited on the test's own customers (it knows the future anyway), and the
    budget is then what the test sells."""

    name: str = "oracle"

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        known = history.orders.height > 0
        sites = centre_sites(history if known else test)
        sold = sold_lines(test, sites).sort("purchased_at", "order_id", "product_id")
        budget = inventory_budget(history, test) if known else int(sold["quantity"].sum() or 0)
        within = sold.with_columns(
            units=pl.min_horizontal(
                "quantity",
                pl.max_horizontal(
                    pl.lit(budget) - pl.col("quantity").cum_sum().shift(1, fill_value=0), 0
                ),
            )
        )
        stock = (
            within.group_by("region", "product_id")
            .agg(pl.col("units").sum())
            .select(key="region", product_id="product_id", units="units")
        )
        notes = () if known else (f"oracle: {NO_HISTORY}; sited on the test's customers",)
        return with_sellers(
            test, sites, stock, {"budget_units": budget, "transfer_units": 0}, notes
        )


POLICIES: dict[str, StockPolicy] = {
    policy.name: policy
    for policy in (
        SellerShipsBaseline(),
        CentralStock(),
        ProportionalStock(),
        AnticipatoryStock(),
        OracleRegionalCenters(),
    )
}

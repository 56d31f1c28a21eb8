"""Speculative shipping in the twin: units sent toward recent buyers likely to buy again,
before they do, and counted once the week has passed.

Each week (with the anticipate policy's re-plan) the platform's own recent orders say who
bought what and where (an address stands for its buyers: the data sets place customers at
their postcode's centre). A buyer of a product buys it again within a week with the chance
measured before the test (``weekly_repeat_rate``); ``speculate``
(``baro.intelligence.anticipate``) sends a unit toward a region's centre where the expected
buyers there make it worth its move and the risk of re-routing it. A week later the units
sent are settled (``count_outcomes``): assigned to an order of that product from that region,
or wasted. Nothing is sent in the last week of the test, so every unit sent is settled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import polars as pl

from baro.anticipation import AnticipationSettings, nearest_centres, network_sites
from baro.commerce.orders import SoldLine, sold_lines
from baro.intelligence.anticipate import count_outcomes, speculate
from baro.network import Facility, Move, PlanSummary
from baro.platform import Platform
from baro.twin.replay import ReplayData

WEEK = timedelta(weeks=1)
LOOKBACK = timedelta(days=90)  # whose purchases count as recent
WASTE_COST_MINOR = 200  # re-routing a unit no one ordered: a second move


def weekly_repeat_rate(history: ReplayData) -> float:
    """Of every purchase of a product by a customer, the share followed by another purchase
    of it by the same customer within a week (0 with no history)."""
    bought = (
        history.lines.join(
            history.orders.select("order_id", "customer_key", "purchased_at"), on="order_id"
        )
        .select("customer_key", "product_id", "purchased_at")
        .unique()
        .sort("customer_key", "product_id", "purchased_at")
    )
    if bought.height == 0:
        return 0.0
    again = bought.with_columns(
        next_at=pl.col("purchased_at").shift(-1).over("customer_key", "product_id")
    ).filter((pl.col("next_at") - pl.col("purchased_at")) <= WEEK)
    return again.height / bought.height


@dataclass(frozen=True)
class Settled:
    sent: int
    assigned: int
    wasted: int


def _point(lat: float, lng: float) -> str:
    return f"{lat:.5f},{lng:.5f}"


@dataclass
class Speculation:
    """The speculative units of one twin run. Owned by that run's re-plan process (SimPy
    runs one process at a time), so the units waiting to be settled need no lock."""

    repeat_rate: float
    last_purchase: datetime
    settings: AnticipationSettings
    waste_cost_minor: int = WASTE_COST_MINOR
    pending: tuple[pl.DataFrame, datetime] | None = field(default=None, init=False)

    def settle(self, platform: Platform, centres: Sequence[Facility], now: datetime) -> Settled:
        """What became of the units sent a week ago: assigned to an order of the product
        from the region they went to, or wasted."""
        if self.pending is None:
            return Settled(0, 0, 0)
        moves, sent_at = self.pending
        self.pending = None
        with platform.db.read() as session:
            lines = sold_lines(session, since=sent_at, until=now)
        orders = pl.DataFrame(
            [(_point(x.lat, x.lng), x.product_id, x.units) for x in lines],
            schema={"customer_id": pl.String, "product_id": pl.String, "quantity": pl.Int64},
            orient="row",
        )
        sites = network_sites(platform, centres, centres, moves, now, self.settings)
        outcome = count_outcomes(moves, orders, self._customers(lines, centres), sites)
        return Settled(
            int(moves["quantity"].sum()),
            int(outcome["assigned"].sum()),
            int(outcome["wasted"].sum()),
        )

    def send(self, platform: Platform, centres: Sequence[Facility], now: datetime) -> int:
        """Send the units worth sending toward recent buyers; returns the units sent."""
        if now + WEEK > self.last_purchase or self.repeat_rate <= 0:
            return 0
        with platform.db.read() as session:
            lines = sold_lines(session, since=now - LOOKBACK, until=now)
        if not lines:
            return 0
        buyers = (
            pl.DataFrame(
                [(_point(x.lat, x.lng), x.product_id) for x in lines],
                schema={"customer_id": pl.String, "product_id": pl.String},
                orient="row",
            )
            .group_by("customer_id", "product_id")
            .agg(purchases=pl.len())
            # A place's recent buyers of a product, each as likely to buy again.
            .with_columns(probability=1 - (1 - self.repeat_rate) ** pl.col("purchases"))
        )
        sites = network_sites(platform, centres, centres, buyers, now, self.settings)
        plan = speculate(
            buyers.drop("purchases"),
            self._customers(lines, centres),
            sites,
            now=now,
            waste_cost_minor=self.waste_cost_minor,
            unit_value_minor=self.settings.unit_value_minor,
        )
        if plan.moves.is_empty():
            return 0
        moves = [
            Move(
                r["product_id"], r["from_facility"], r["to_facility"], r["quantity"], r["arrive_at"]
            )
            for r in plan.moves.iter_rows(named=True)
        ]
        platform.network.dispatch(
            moves,
            PlanSummary("speculative", plan.notes, cost_minor=int(plan.moves["cost_minor"].sum())),
            idempotency_key=f"speculate:{now.isoformat()}",
        )
        self.pending = (plan.moves.select("product_id", "to_facility", "quantity"), now)
        return plan.units

    @staticmethod
    def _customers(lines: Sequence[SoldLine], centres: Sequence[Facility]) -> pl.DataFrame:
        points = [(x.lat, x.lng) for x in lines]
        region = nearest_centres(points, centres)
        return pl.DataFrame(
            [(_point(*p), r) for p, r in region.items()],
            schema={"customer_id": pl.String, "region": pl.String},
            orient="row",
        ).unique("customer_id")

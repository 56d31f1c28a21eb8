"""Speculative shipping: units sent toward customers who will probably buy, before they do.

``speculate(probabilities, customers, sites, ...)`` -> ``SpeculativePlan``: each unit goes
"in transit, unassigned" to the facility serving the customer's region; if an order comes it
is assigned there at once, if not the unit is re-routed (wasted: it paid a move for nothing
and costs ``waste_cost_minor`` more to bring back or send on).

A destination (product at facility) gathers the customers of its regions. Its buyers ``N``
are Poisson-binomial over their probabilities (``demand.buyers_curve``); of ``u`` units
there, ``E[min(N, u)]`` are expected to be assigned, the rest wasted. The ``k``-th unit is
worth sending when ``P(N >= k) * value > cost of the lane + P(N < k) * waste_cost``, i.e.
``P(N >= k) * (value + waste) > lane cost + waste``: the shared MIP (``solver``) with node
value ``value + waste`` and lane cost ``cost + waste``, which also shares a source's stock
among destinations and respects capacities. Stock already at the destination is counted
first: a move is only worth what it adds.

probabilities: customer_id, product_id, probability (of buying in the coming days, 0..1),
optional value_minor (what a faster delivery of that purchase is worth; else
``unit_value_minor``). customers: customer_id, region. ``sites.stock`` is the stock free to
speculate with (what pre-positioning and open orders leave).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from baro.core.errors import InvalidRequest
from baro.intelligence.anticipate.demand import Curve, buyers_curve
from baro.intelligence.anticipate.sites import (
    Sites,
    refuse_duplicates,
    refuse_nulls,
    refuse_rows,
    require_columns,
    with_unit_value,
)
from baro.intelligence.anticipate.solver import Lane, Node, move_stock

MOVES_SCHEMA = pl.Schema(
    {
        "product_id": pl.String(),
        "from_facility": pl.String(),
        "to_facility": pl.String(),
        "quantity": pl.Int64(),
        "ship_at": pl.Datetime("us", "UTC"),
        "arrive_at": pl.Datetime("us", "UTC"),
        "cost_minor": pl.Int64(),
    }
)


@dataclass(frozen=True)
class SpeculativePlan:
    """moves: product_id, from_facility, to_facility, quantity, ship_at (now), arrive_at,
    cost_minor. destinations: product_id, facility_id, expected_buyers, units_before,
    units_moved, expected_assigned (of the moved units), expected_waste (moved units expected
    to find no buyer). unserved: customer_id, product_id, region: customers no facility
    serves, left out. notes: why, in words."""

    moves: pl.DataFrame
    destinations: pl.DataFrame
    unserved: pl.DataFrame
    notes: tuple[str, ...]
    status: str

    @property
    def units(self) -> int:
        return int(self.moves["quantity"].sum())

    @property
    def expected_waste_units(self) -> float:
        return float(self.destinations["expected_waste"].sum())


def speculate(
    probabilities: pl.DataFrame,
    customers: pl.DataFrame,
    sites: Sites,
    *,
    now: datetime,
    waste_cost_minor: int,
    unit_value_minor: int | None = None,
    time_limit_s: float = 60.0,
) -> SpeculativePlan:
    """The speculative moves worth their expected waste (see the module docstring)."""
    if now.tzinfo is None:
        raise InvalidRequest("now must be timezone-aware")
    if waste_cost_minor < 0:
        raise InvalidRequest(f"waste_cost_minor must be >= 0, got {waste_cost_minor}")
    located = _locate(_purchases(probabilities, unit_value_minor), customers, sites)
    unserved = located.filter(pl.col("facility_id").is_null()).select(
        "customer_id", "product_id", "region"
    )
    notes = []
    if unserved.height:
        notes.append(
            f"{unserved['customer_id'].n_unique()} customer(s) live in regions no facility "
            "serves (see unserved): nothing moves toward them"
        )
    groups = (
        located.filter(pl.col("facility_id").is_not_null())
        .group_by("product_id", "facility_id")
        .agg(
            pl.col("probability"),
            value=(pl.col("value_minor") * pl.col("probability")).sum()
            / pl.col("probability").sum(),
        )
        .filter(pl.col("probability").list.sum() > 0)
        .sort("product_id", "facility_id")
    )
    curves: dict[tuple[str, str], Curve] = {}
    nodes = []
    for row in groups.iter_rows(named=True):
        curve = buyers_curve(row["probability"])
        curves[(row["product_id"], row["facility_id"])] = curve
        nodes.append(
            Node(row["product_id"], row["facility_id"], curve, row["value"] + waste_cost_minor)
        )
    forward = sites.forward()
    lanes = sites.lanes.filter(pl.col("to_facility").is_in(list(forward)))
    lead = {(r["from_facility"], r["to_facility"]): r for r in lanes.iter_rows(named=True)}
    stock = {
        (r["product_id"], r["facility_id"]): r["units"] for r in sites.stock.iter_rows(named=True)
    }
    held = sites.stock.group_by("facility_id").agg(pl.col("units").sum())
    held_at = dict(zip(held["facility_id"].to_list(), held["units"].to_list(), strict=True))
    room = {
        r["facility_id"]: max(r["capacity_units"] - held_at.get(r["facility_id"], 0), 0)
        for r in sites.facilities.filter(pl.col("capacity_units").is_not_null()).iter_rows(
            named=True
        )
    }
    moved = move_stock(
        nodes,
        stock,
        [
            Lane(source, target, row["cost_minor"] + waste_cost_minor)
            for (source, target), row in lead.items()
        ],
        room=room,
        budget=None,
        time_limit_s=time_limit_s,
    )
    moves = pl.DataFrame(
        [
            {
                "product_id": product_id,
                "from_facility": source,
                "to_facility": target,
                "quantity": units,
                "ship_at": now,
                "arrive_at": now + timedelta(hours=lead[(source, target)]["lead_hours"]),
                "cost_minor": units * lead[(source, target)]["cost_minor"],
            }
            for (product_id, source, target), units in sorted(moved.quantities.items())
        ],
        schema=MOVES_SCHEMA,
    )
    destinations = _destinations(groups, curves, stock, moves)
    if moves.is_empty():
        notes.append(
            "no speculative moves: no unit's chance of a buyer pays for its move and its "
            "possible waste"
            if nodes
            else "no speculative moves: no customer with a purchase probability is served"
        )
    return SpeculativePlan(moves, destinations, unserved, tuple(notes), moved.status)


def _purchases(probabilities: pl.DataFrame, unit_value_minor: int | None) -> pl.DataFrame:
    require_columns(probabilities, "probabilities", ["customer_id", "product_id", "probability"])
    probabilities = with_unit_value(
        probabilities, "probabilities", unit_value_minor, "what a faster delivery is worth"
    )
    purchases = probabilities.select(
        pl.col("customer_id", "product_id").cast(pl.String),
        pl.col("probability").cast(pl.Float64),
        pl.col("value_minor").cast(pl.Int64),
    )
    refuse_nulls(purchases, purchases.columns, name="probabilities")
    refuse_duplicates(purchases, ["customer_id", "product_id"], name="probabilities")
    refuse_rows(
        purchases,
        (pl.col("probability") < 0) | (pl.col("probability") > 1),
        "probability must lie in [0, 1]",
        name="probabilities",
    )
    refuse_rows(
        purchases, pl.col("value_minor") < 0, "value_minor must be >= 0", name="probabilities"
    )
    return purchases


def _locate(frame: pl.DataFrame, customers: pl.DataFrame, sites: Sites) -> pl.DataFrame:
    """frame + region and the facility serving it (null where none does)."""
    require_columns(customers, "customers", ["customer_id", "region"])
    regions = customers.select(pl.col("customer_id", "region").cast(pl.String))
    refuse_nulls(regions, ["customer_id", "region"], name="customers")
    refuse_duplicates(regions, ["customer_id"], name="customers")
    located = frame.join(regions, on="customer_id", how="left")
    refuse_rows(
        located.select("customer_id", "product_id", "region"),
        pl.col("region").is_null(),
        "customer_id not in customers",
        name="customers",
    )
    return located.join(sites.serving().select("region", "facility_id"), on="region", how="left")


def _destinations(
    groups: pl.DataFrame,
    curves: dict[tuple[str, str], Curve],
    stock: dict[tuple[str, str], int],
    moves: pl.DataFrame,
) -> pl.DataFrame:
    arrived = moves.group_by("product_id", "to_facility").agg(pl.col("quantity").sum())
    moved = {
        (r["product_id"], r["to_facility"]): r["quantity"] for r in arrived.iter_rows(named=True)
    }
    rows = []
    for row in groups.iter_rows(named=True):
        key = (row["product_id"], row["facility_id"])
        before, units = stock.get(key, 0), moved.get(key, 0)
        curve = curves[key]
        assigned = curve.at(before + units) - curve.at(before)
        rows.append(
            {
                "product_id": row["product_id"],
                "facility_id": row["facility_id"],
                "expected_buyers": float(sum(row["probability"])),
                "units_before": before,
                "units_moved": units,
                "expected_assigned": assigned,
                "expected_waste": units - assigned,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "product_id": pl.String,
            "facility_id": pl.String,
            "expected_buyers": pl.Float64,
            "units_before": pl.Int64,
            "units_moved": pl.Int64,
            "expected_assigned": pl.Float64,
            "expected_waste": pl.Float64,
        },
    )


def count_outcomes(
    moves: pl.DataFrame, orders: pl.DataFrame, customers: pl.DataFrame, sites: Sites
) -> pl.DataFrame:
    """What became of speculative units once the window has passed.

    moves: product_id, to_facility, quantity (a plan's ``moves``). orders: customer_id,
    product_id, quantity: the orders placed in the window the probabilities covered. A
    speculative unit is assigned to the first order for its product from the regions its
    facility serves, before any stock the facility held anyway; the rest are wasted
    (re-routed). -> product_id, facility_id, moved, ordered, assigned, wasted."""
    require_columns(moves, "moves", ["product_id", "to_facility", "quantity"])
    require_columns(orders, "orders", ["customer_id", "product_id", "quantity"])
    refuse_rows(moves, pl.col("quantity") < 0, "quantity must be >= 0", name="moves")
    refuse_rows(orders, pl.col("quantity") <= 0, "quantity must be > 0", name="orders")
    sent = (
        moves.select(
            pl.col("product_id", "to_facility").cast(pl.String),
            pl.col("quantity").cast(pl.Int64),
        )
        .group_by("product_id", facility_id="to_facility")
        .agg(moved=pl.col("quantity").sum())
    )
    placed = _locate(
        orders.select(
            pl.col("customer_id", "product_id").cast(pl.String), pl.col("quantity").cast(pl.Int64)
        ),
        customers,
        sites,
    )
    ordered = (
        placed.filter(pl.col("facility_id").is_not_null())
        .group_by("product_id", "facility_id")
        .agg(ordered=pl.col("quantity").sum())
    )
    return (
        sent.join(ordered, on=["product_id", "facility_id"], how="left")
        .with_columns(pl.col("ordered").fill_null(0))
        .with_columns(assigned=pl.min_horizontal("moved", "ordered"))
        .with_columns(wasted=pl.col("moved") - pl.col("assigned"))
        .select("product_id", "facility_id", "moved", "ordered", "assigned", "wasted")
        .sort("product_id", "facility_id")
    )

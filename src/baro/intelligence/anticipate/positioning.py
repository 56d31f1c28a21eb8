"""Pre-positioning: the transfers that put stock where the forecast says it will sell.

``plan_transfers(forecast, sites, ...)`` -> ``TransferPlan``. The model is in the package
docstring (``baro.intelligence.anticipate``); the MIP itself in ``solver``.

forecast: product_id, region, mean (units over one period, >= 0), and the spread as ``std``
or as upper prediction bounds ``hi_80`` / ``hi_95`` (any ``hi_<level>``; ``lo_<level>`` may
be there and is not read); optional ``period`` (a date: the period's first day; rows of every
period given add up, so pass the horizon the stock must cover); optional ``value_minor`` (what
one unit of that demand filled by the facility serving its region is worth, in minor units:
the margin kept and the long haul saved). Without ``value_minor``, ``unit_value_minor``
applies to every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from statistics import NormalDist

import numpy as np
import polars as pl

from baro.core.errors import InvalidRequest
from baro.intelligence.anticipate.demand import normal_curve, normal_expected_min, spread
from baro.intelligence.anticipate.sites import (
    Sites,
    refuse_duplicates,
    refuse_nulls,
    refuse_rows,
    require_columns,
    with_unit_value,
)
from baro.intelligence.anticipate.solver import Lane, Node, move_stock

TRANSFERS_SCHEMA = pl.Schema(
    {
        "product_id": pl.String(),
        "from_facility": pl.String(),
        "to_facility": pl.String(),
        "quantity": pl.Int64(),
        "ship_by": pl.Datetime("us", "UTC"),
        "arrive_by": pl.Datetime("us", "UTC"),
        "cost_minor": pl.Int64(),
    }
)


@dataclass(frozen=True)
class TransferPlan:
    """What to move, and what it is expected to buy.

    transfers: product_id, from_facility, to_facility, quantity, ship_by (the latest departure
    that arrives in time), arrive_by (``need_by``), cost_minor (quantity x the lane's cost).
    positions: facility_id, product_id, units_before, units_after, expected_demand,
    expected_fill_before, expected_fill_after, in_stock_probability (P(demand <= units_after)),
    for every product a serving facility has demand for.
    unserved: region, product_id, expected_demand: forecast demand in regions no facility
    serves; it counts against local fill and no plan can fill it.
    notes: why the plan is what it is, in words (an empty plan always says why).
    """

    transfers: pl.DataFrame
    positions: pl.DataFrame
    unserved: pl.DataFrame
    notes: tuple[str, ...]
    status: str

    @property
    def expected_demand(self) -> float:
        served = float(self.positions["expected_demand"].sum())
        return served + float(self.unserved["expected_demand"].sum())

    def expected_local_fill(self, *, after: bool = True) -> float:
        """Expected share of all forecast demand filled by the facility serving its region."""
        demand = self.expected_demand
        column = "expected_fill_after" if after else "expected_fill_before"
        return float(self.positions[column].sum()) / demand if demand > 0 else 0.0


def plan_transfers(
    forecast: pl.DataFrame,
    sites: Sites,
    *,
    budget_units: int,
    now: datetime,
    need_by: datetime | None = None,
    unit_value_minor: int | None = None,
    time_limit_s: float = 60.0,
) -> TransferPlan:
    """The transfers that maximise the value of expected local fill, less what moving costs,
    with the serving facilities holding at most ``budget_units`` units after the plan (or what
    they already hold, if that is more: a plan moves stock, it does not destroy it).

    need_by: when the stock must be in place (default: midnight UTC of the forecast's first
    period). A lane slower than ``need_by - now`` is not used. Both timezone-aware."""
    demand = _demand(forecast, unit_value_minor)
    need_by = _need_by(demand, now, need_by)
    if budget_units < 0:
        raise InvalidRequest(f"budget_units must be >= 0, got {budget_units}")
    notes: list[str] = []
    if budget_units == 0:
        notes.append("budget_units is 0: no units may move into the serving facilities")

    serving = sites.serving()
    located = demand.join(serving, on="region", how="left")
    unserved = (
        located.filter(pl.col("facility_id").is_null())
        .group_by("region", "product_id")
        .agg(expected_demand=pl.col("mean").sum())
        .sort("region", "product_id")
    )
    if unserved.height:
        regions = unserved["region"].unique().sort().to_list()
        notes.append(
            f"{len(regions)} region(s) with forecast demand have no facility serving them "
            f"(see unserved): {', '.join(regions[:5])}" + (" …" if len(regions) > 5 else "")
        )
    needs = _nodes(located.filter(pl.col("facility_id").is_not_null()))

    hours_left = (need_by - now) / timedelta(hours=1)
    usable = sites.lanes.filter(pl.col("lead_hours") <= hours_left)
    if usable.height < sites.lanes.height:
        notes.append(
            f"{sites.lanes.height - usable.height} lane(s) take longer than the "
            f"{hours_left:.1f} h left before {need_by.isoformat()} and were not used"
        )
    forward = sites.forward()
    lanes = [
        Lane(row["from_facility"], row["to_facility"], row["cost_minor"])
        for row in usable.filter(pl.col("to_facility").is_in(list(forward))).iter_rows(named=True)
    ]
    stock = {
        (row["product_id"], row["facility_id"]): row["units"]
        for row in sites.stock.iter_rows(named=True)
    }
    held = sites.stock.group_by("facility_id").agg(pl.col("units").sum())
    held_at = dict(zip(held["facility_id"].to_list(), held["units"].to_list(), strict=True))
    room = {
        row["facility_id"]: max(row["capacity_units"] - held_at.get(row["facility_id"], 0), 0)
        for row in sites.facilities.filter(pl.col("capacity_units").is_not_null()).iter_rows(
            named=True
        )
    }
    forward_held = sum(held_at.get(f, 0) for f in forward)
    if forward_held > budget_units:
        notes.append(
            f"the serving facilities already hold {forward_held} units, more than the budget of "
            f"{budget_units}: the plan moves none in, only between them"
        )
    moves = move_stock(
        [need.node for need in needs],
        stock,
        lanes,
        room=room,
        budget=(forward, max(budget_units - forward_held, 0)),
        time_limit_s=time_limit_s,
    )
    lead = {(r["from_facility"], r["to_facility"]): r for r in usable.iter_rows(named=True)}
    transfers = pl.DataFrame(
        [
            {
                "product_id": product_id,
                "from_facility": source,
                "to_facility": target,
                "quantity": units,
                "ship_by": need_by - timedelta(hours=lead[(source, target)]["lead_hours"]),
                "arrive_by": need_by,
                "cost_minor": units * lead[(source, target)]["cost_minor"],
            }
            for (product_id, source, target), units in sorted(moves.quantities.items())
        ],
        schema=TRANSFERS_SCHEMA,
    )
    positions = _positions(needs, stock, moves.quantities)
    if transfers.is_empty():
        notes.append(_why_empty(needs, stock, lanes))
    return TransferPlan(transfers, positions, unserved, tuple(notes), moves.status)


def _demand(forecast: pl.DataFrame, unit_value_minor: int | None) -> pl.DataFrame:
    """product_id, region, period?, mean, std, value_minor: checked."""
    require_columns(forecast, "forecast", ["product_id", "region", "mean"])
    forecast = with_unit_value(
        forecast, "forecast", unit_value_minor, "what a unit filled locally is worth"
    )
    keys = ["product_id", "region"] + (["period"] if "period" in forecast.columns else [])
    demand = forecast.with_columns(
        pl.col("product_id", "region").cast(pl.String),
        pl.col("mean").cast(pl.Float64),
        pl.col("value_minor").cast(pl.Int64),
        std=spread(forecast),
    )
    refuse_nulls(demand, [*keys, "mean", "value_minor"], name="forecast")
    refuse_duplicates(demand, keys, name="forecast")
    refuse_rows(demand, pl.col("mean") < 0, "mean must be >= 0", name="forecast")
    refuse_rows(
        demand,
        pl.col("std") < 0,
        "the spread must be >= 0 (std, or an upper bound hi_<level> below the mean)",
        name="forecast",
    )
    refuse_rows(demand, pl.col("value_minor") < 0, "value_minor must be >= 0", name="forecast")
    return demand.select(*keys, "mean", "std", "value_minor")


def _need_by(demand: pl.DataFrame, now: datetime, need_by: datetime | None) -> datetime:
    if now.tzinfo is None or (need_by is not None and need_by.tzinfo is None):
        raise InvalidRequest("now and need_by must be timezone-aware")
    if need_by is not None:
        return need_by
    if "period" not in demand.columns or demand.is_empty():
        raise InvalidRequest("pass need_by: the forecast has no period to take it from")
    return datetime.combine(demand["period"].min(), time(), tzinfo=UTC)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Need:
    """A node and the Normal its curve came from (to report exact fills, not the curve's)."""

    node: Node
    mean: float
    std: float


def _nodes(located: pl.DataFrame) -> list[_Need]:
    """One node per (product, serving facility): demand of its regions and periods summed
    (variances add), valued at the demand-weighted mean of value less the last leg's cost."""
    nodes = (
        located.with_columns(net=(pl.col("value_minor") - pl.col("ship_cost_minor")).clip(0))
        .group_by("product_id", "facility_id")
        .agg(
            mean=pl.col("mean").sum(),
            std=(pl.col("std") ** 2).sum().sqrt(),
            value=(pl.col("net") * pl.col("mean")).sum() / pl.col("mean").sum(),
        )
        .filter(pl.col("mean") > 0)
        .sort("product_id", "facility_id")
    )
    return [
        _Need(
            Node(r["product_id"], r["facility_id"], normal_curve(r["mean"], r["std"]), r["value"]),
            r["mean"],
            r["std"],
        )
        for r in nodes.iter_rows(named=True)
    ]


def _positions(
    needs: list[_Need],
    stock: dict[tuple[str, str], int],
    moved: dict[tuple[str, str, str], int],
) -> pl.DataFrame:
    change: dict[tuple[str, str], int] = {}
    for (product_id, source, target), units in moved.items():
        change[(product_id, source)] = change.get((product_id, source), 0) - units
        change[(product_id, target)] = change.get((product_id, target), 0) + units
    rows = []
    for need in needs:
        key = (need.node.product_id, need.node.facility_id)
        before = stock.get(key, 0)
        after = before + change.get(key, 0)
        # All demand: E[min(D, S)] at an S no draw reaches (50 std above the mean).
        everything = need.mean + 50 * need.std + 1
        fill = normal_expected_min(need.mean, need.std, np.array([before, after, everything]))
        rows.append(
            {
                "facility_id": need.node.facility_id,
                "product_id": need.node.product_id,
                "units_before": before,
                "units_after": after,
                "expected_demand": float(fill[2]),
                "expected_fill_before": float(fill[0]),
                "expected_fill_after": float(fill[1]),
                "in_stock_probability": _at_most(need.mean, need.std, after),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "facility_id": pl.String,
            "product_id": pl.String,
            "units_before": pl.Int64,
            "units_after": pl.Int64,
            "expected_demand": pl.Float64,
            "expected_fill_before": pl.Float64,
            "expected_fill_after": pl.Float64,
            "in_stock_probability": pl.Float64,
        },
    )


def _at_most(mean: float, std: float, units: int) -> float:
    """P(D <= units) for the censored Normal: the cycle service level the stock gives."""
    if std <= 0:
        return 1.0 if mean <= units else 0.0
    return NormalDist(mean, std).cdf(units)


def _why_empty(needs: list[_Need], stock: dict[tuple[str, str], int], lanes: list[Lane]) -> str:
    if not needs:
        return "no transfers: no serving facility has forecast demand"
    reachable = any(
        stock.get((need.node.product_id, lane.from_facility), 0) > 0
        for need in needs
        for lane in lanes
        if lane.to_facility == need.node.facility_id
    )
    if not reachable:
        return "no transfers: no stock of a product in demand can reach a facility that needs it"
    return (
        "no transfers: within the budget and the capacities, none raises the value of expected "
        "local fill by more than it costs"
    )

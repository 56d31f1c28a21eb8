"""Delivery KPIs by mode, from the event log: how each delivered order travelled (van,
locker, drone, or the carrier), its click-to-door, on-time against baro's promise and the
data set's, and what the kilometres and the money were.

A van order is one with a ``route.stop_eta`` (a locker order whose option was ``locker``);
a drone order one with a ``drone.assigned``; every other delivered order went with the
carrier (the sampled stage). A route's kilometres and cost (``route.planned``: distance,
departure and return) are shared evenly by its stops; a drone order flies there and back;
a carrier parcel travels the straight line from its facility to the customer and costs
what ``kpis.COST_MODEL`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import polars as pl

from baro.core.events import StoredEvent
from baro.core.geo import haversine_km
from baro.twin.delivery import DeliveryCosts, mode_of
from baro.twin.kpis import PARCEL_HANDLING, PER_KM, quantile_or_none

MODES = ("van", "locker", "drone", "carrier")


def order_modes(events: Sequence[StoredEvent], costs: DeliveryCosts) -> pl.DataFrame:
    """order_id, option, mode, km, cost (van and drone orders; carrier rows have nulls
    for km and cost, filled by ``delivery_kpis``)."""
    options: dict[str, str | None] = {}
    stops: dict[str, str] = {}  # order -> route
    drones: dict[str, float] = {}  # order -> one-way km
    routes: dict[str, tuple[float, float, int]] = {}  # route -> km, hours, stops
    for event in events:
        kind = event.event_type
        if kind == "order.placed":
            options[event.aggregate_id] = event.data.get("delivery_option")
        elif kind == "route.stop_eta":
            stops[event.aggregate_id] = event.data["route_id"]
        elif kind == "drone.assigned":
            drones[event.aggregate_id] = float(event.data["distance_km"])
        elif kind == "route.planned":
            hours = (
                datetime.fromisoformat(event.data["returns_at"])
                - datetime.fromisoformat(event.data["departs_at"])
            ).total_seconds() / 3600
            routes[event.aggregate_id] = (
                event.data["distance_m"] / 1000,
                hours,
                len(event.data["order_ids"]),
            )
    rows = []
    for order_id, option in options.items():
        mode = mode_of(option, order_id in stops, order_id in drones)
        km: float | None = None
        cost: float | None = None
        if mode in ("van", "locker"):
            route_km, hours, count = routes[stops[order_id]]
            km = route_km / count
            cost = (
                float(
                    costs.van_per_km * Decimal(str(route_km))
                    + costs.van_per_hour * Decimal(str(hours))
                )
                / count
            )
        elif mode == "drone":
            km = 2 * drones[order_id]
            cost = float(costs.drone_per_sortie)
        rows.append({"order_id": order_id, "option": option, "mode": mode, "km": km, "cost": cost})
    return pl.DataFrame(
        rows,
        schema={
            "order_id": pl.String,
            "option": pl.String,
            "mode": pl.String,
            "km": pl.Float64,
            "cost": pl.Float64,
        },
    )


def delivery_kpis(
    events: Sequence[StoredEvent],
    orders: pl.DataFrame,
    parcels: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
    promises: pl.DataFrame,
    baro_promised: pl.DataFrame,
    costs: DeliveryCosts,
    groups: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """``delivery_by_mode`` (per mode: orders, share, click-to-door p50/p90, on-time
    against baro's promise and the data set's, km and cost per order) and the totals:
    ``delivery_km_per_order``, ``delivery_cost_per_order`` (over delivered orders),
    ``van_route_km``, ``van_hours``, ``drone_sorties``. orders, parcels: ``kpis.order_frames``;
    promises, baro_promised: order_id, promised_at (``kpis.promised_dates``,
    ``kpis.baro_promises``). groups: order_id, mode: report each order under this mode
    rather than the one it travelled by (a sampled run's orders under the mode the routed
    run gave the same orders, so that each mode compares the same parcels); km and cost
    stay those of how it travelled."""
    shipped = pl.DataFrame(
        [(e.aggregate_id, e.occurred_at) for e in events if e.event_type == "order.shipped"],
        schema={"order_id": pl.String, "shipped_at": pl.Datetime("us", "UTC")},
        orient="row",
    )
    priced = parcel_costs(events, orders, parcels, facilities, customers, costs)
    delivered = (
        orders.drop_nulls("delivered_at")
        .join(priced, on="order_id", how="left")
        .join(promises.rename({"promised_at": "data_promised_at"}), on="order_id", how="left")
        .join(baro_promised.rename({"promised_at": "baro_promised_at"}), on="order_id", how="left")
        .join(shipped, on="order_id", how="left")
        .with_columns(
            hours=(pl.col("delivered_at") - pl.col("placed_at")).dt.total_seconds() / 3600,
            door_h=(pl.col("delivered_at") - pl.col("shipped_at")).dt.total_seconds() / 3600,
        )
    )
    if groups is not None:
        delivered = delivered.join(
            groups.select("order_id", group="mode"), on="order_id", how="left"
        ).with_columns(mode=pl.col("group").fill_null(pl.col("mode")))
    total = delivered.height
    by_mode: dict[str, dict[str, Any]] = {}
    for mode in MODES:
        rows = delivered.filter(pl.col("mode") == mode)
        if rows.height == 0:
            continue
        by_mode[mode] = {
            "orders": rows.height,
            "share": round(rows.height / total, 4),
            "click_to_door_p50_h": quantile_or_none(rows["hours"], 0.5),
            "click_to_door_p90_h": quantile_or_none(rows["hours"], 0.9),
            "handover_to_door_p50_h": quantile_or_none(rows["door_h"].drop_nulls(), 0.5),
            "on_time_rate_baro": _on_time(rows, "baro_promised_at"),
            "on_time_rate": _on_time(rows, "data_promised_at"),
            "km_per_order": round(_mean(rows["km"]), 2),
            "cost_per_order": round(_mean(rows["cost"]), 2),
        }
    van_routes = _routes(events)
    return {
        "delivery_by_mode": by_mode,
        "delivery_km_per_order": round(float(delivered["km"].fill_null(0.0).sum()) / total, 1)
        if total
        else None,
        "delivery_cost_per_order": round(float(delivered["cost"].fill_null(0.0).sum()) / total, 2)
        if total
        else None,
        "van_routes": len(van_routes),
        "van_stops_per_route": round(
            sum(1 for e in events if e.event_type == "route.stop_eta") / len(van_routes), 2
        )
        if van_routes
        else None,
        "van_route_km": round(sum(km for km, _ in van_routes), 1),
        "van_hours": round(sum(h for _, h in van_routes), 1),
        "drone_sorties": sum(1 for e in events if e.event_type == "drone.assigned"),
    }


def parcel_costs(
    events: Sequence[StoredEvent],
    orders: pl.DataFrame,
    parcels: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
    costs: DeliveryCosts,
) -> pl.DataFrame:
    """order_id, mode, km, cost (the data set's currency, major units) of every order in
    ``orders``: its share of a van route, its drone sortie, or the carrier's parcels
    (``kpis.COST_MODEL``); a run without vans or drones has carrier orders only."""
    modes = order_modes(events, costs)
    carrier_km = _carrier_km(parcels, orders, facilities, customers)
    return (
        orders.select("order_id")
        .join(modes.select("order_id", "mode", "km", "cost"), on="order_id", how="left")
        .join(carrier_km, on="order_id", how="left")
        .with_columns(mode=pl.col("mode").fill_null("carrier"))
        .with_columns(
            km=pl.when(pl.col("mode") == "carrier")
            .then(pl.col("carrier_km"))
            .otherwise(pl.col("km")),
            cost=pl.when(pl.col("mode") == "carrier")
            .then(
                float(PARCEL_HANDLING) * pl.col("parcels").fill_null(1)
                + float(PER_KM) * pl.col("carrier_km").fill_null(0.0)
            )
            .otherwise(pl.col("cost")),
        )
        .select("order_id", "mode", "km", "cost")
    )


def _mean(values: pl.Series) -> float:
    return float(values.fill_null(0.0).sum()) / values.len() if values.len() else 0.0


def _routes(events: Sequence[StoredEvent]) -> list[tuple[float, float]]:
    return [
        (
            e.data["distance_m"] / 1000,
            (
                datetime.fromisoformat(e.data["returns_at"])
                - datetime.fromisoformat(e.data["departs_at"])
            ).total_seconds()
            / 3600,
        )
        for e in events
        if e.event_type == "route.planned"
    ]


def _on_time(rows: pl.DataFrame, column: str) -> float | None:
    promised = rows.drop_nulls(column)
    if promised.height == 0:
        return None
    return round(
        promised.filter(pl.col("delivered_at") <= pl.col(column)).height / promised.height, 4
    )


def _carrier_km(
    parcels: pl.DataFrame,
    orders: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
) -> pl.DataFrame:
    """order_id, parcels, carrier_km: the straight lines from each parcel's facility."""
    located = (
        parcels.join(orders.select("order_id", "customer_id"), on="order_id")
        .join(facilities.select("facility_id", f_lat="lat", f_lng="lng"), on="facility_id")
        .join(customers.select("customer_id", c_lat="lat", c_lng="lng"), on="customer_id")
    )
    km = [haversine_km(*r) for r in located.select("f_lat", "f_lng", "c_lat", "c_lng").iter_rows()]
    return (
        located.with_columns(carrier_km=pl.Series(km, dtype=pl.Float64))
        .group_by("order_id")
        .agg(parcels=pl.len().cast(pl.Int64), carrier_km=pl.col("carrier_km").sum())
    )

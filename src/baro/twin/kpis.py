"""KPIs of a twin run, computed from the outbox event log (never from private tables) and
the world the twin built (where facilities and customers are).

The cost model is illustrative and documented here, in one place: every parcel costs
``PARCEL_HANDLING`` plus ``PER_KM`` for each kilometre between the shipping facility and the
customer (first mile, line haul and last mile blended), in the data set's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import polars as pl

from baro.core.events import StoredEvent
from baro.core.geo import haversine_km
from baro.intelligence.customers import repeat_customer_revenue_share

PARCEL_HANDLING = Decimal("6.00")
PER_KM = Decimal("0.02")
COST_MODEL = f"{PARCEL_HANDLING} per parcel + {PER_KM} per km from facility to customer"


def order_frames(events: Sequence[StoredEvent]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """From the event log: orders (order_id, customer_id, placed_at, delivered_at,
    cancelled_at, total_minor) and parcels (order_id, facility_id, quantity)."""
    placed, parcels, moments = [], [], []
    for event in events:
        if event.event_type == "order.placed":
            placed.append(
                {
                    "order_id": event.aggregate_id,
                    "customer_id": event.data["customer_id"],
                    "placed_at": event.occurred_at,
                    "total_minor": event.data["total_minor"],
                }
            )
            parcels.extend(
                {
                    "order_id": event.aggregate_id,
                    "facility_id": line["facility_id"],
                    "quantity": line["quantity"],
                }
                for line in event.data["lines"]
            )
        elif event.event_type in ("order.delivered", "order.cancelled"):
            moments.append(
                {
                    "order_id": event.aggregate_id,
                    "what": event.event_type.split(".")[1],
                    "at": event.occurred_at,
                }
            )
    orders = pl.DataFrame(
        placed,
        schema={
            "order_id": pl.String,
            "customer_id": pl.String,
            "placed_at": pl.Datetime("us", "UTC"),
            "total_minor": pl.Int64,
        },
    )
    if moments:
        pivot = pl.DataFrame(moments).pivot(on="what", index="order_id", values="at")
    else:
        pivot = pl.DataFrame(schema={"order_id": pl.String})
    for column in ("delivered", "cancelled"):
        if column not in pivot.columns:
            pivot = pivot.with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias(column))
    orders = orders.join(pivot, on="order_id", how="left").rename(
        {"delivered": "delivered_at", "cancelled": "cancelled_at"}
    )
    parcel_frame = pl.DataFrame(
        parcels, schema={"order_id": pl.String, "facility_id": pl.String, "quantity": pl.Int64}
    )
    return orders, parcel_frame.unique(["order_id", "facility_id"])


def click_to_door_hours(orders: pl.DataFrame) -> pl.DataFrame:
    return orders.drop_nulls("delivered_at").select(
        hours=(pl.col("delivered_at") - pl.col("placed_at")).dt.total_seconds() / 3600
    )


@dataclass(frozen=True)
class ClickToDoorOverTime:
    """Click-to-door of delivered orders by the day, and the week (from Monday, UTC), they
    were bought. daily: day (Date), delivered (Int64), p50_h (Float64); weekly: week (Date),
    delivered (Int64), p50_h, p90_h (Float64)."""

    daily: pl.DataFrame
    weekly: pl.DataFrame

    def to_json(self) -> dict[str, list[dict[str, Any]]]:
        return {"daily": json_rows(self.daily), "weekly": json_rows(self.weekly)}


def json_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """A frame's rows for metrics.json, its dates as ISO days (as the report reads them)."""
    return frame.with_columns(pl.col(pl.Date).cast(pl.String)).to_dicts()


def click_to_door_over_time(bought_at: pl.Series, hours: pl.Series) -> ClickToDoorOverTime:
    """bought_at (UTC instants) and click-to-door hours of the same delivered orders."""
    frame = pl.DataFrame({"at": bought_at, "hours": hours.cast(pl.Float64)}).drop_nulls()
    delivered = pl.len().cast(pl.Int64)

    def quantile(q: float) -> pl.Expr:
        return pl.col("hours").quantile(q, interpolation="linear").round(1)

    daily = (
        frame.group_by(day=pl.col("at").dt.date())
        .agg(delivered=delivered, p50_h=quantile(0.5))
        .sort("day")
    )
    weekly = (
        frame.group_by(week=pl.col("at").dt.truncate("1w").dt.date())
        .agg(delivered=delivered, p50_h=quantile(0.5), p90_h=quantile(0.9))
        .sort("week")
    )
    return ClickToDoorOverTime(daily, weekly)


def transfers_by_day(events: Sequence[StoredEvent]) -> pl.DataFrame:
    """day (Date, UTC), dispatched, arrived (Int64): units that left a facility for another,
    and units that landed, each day of the twin's clock (``transfer.*`` events); days with
    neither are left out."""
    steps = {"transfer.dispatched": "dispatched", "transfer.arrived": "arrived"}
    moves = pl.DataFrame(
        [
            {
                "day": event.occurred_at.date(),
                "step": steps[event.event_type],
                "units": event.data["quantity"],
            }
            for event in events
            if event.event_type in steps
        ],
        schema={"day": pl.Date, "step": pl.String, "units": pl.Int64},
    )
    return (
        moves.group_by("day")
        .agg(
            **{
                step: pl.col("units").filter(pl.col("step") == step).sum().cast(pl.Int64)
                for step in steps.values()
            }
        )
        .sort("day")
    )


def units_by_week(orders: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """week (Date, the Monday), units (Int64), days (Int64): the units bought each week
    (purchased_at in UTC, weeks from Monday as the forecast's), and how many days of the
    week the orders span (first to last purchase day), so a partial week shows as one.
    orders: order_id, purchased_at; lines: order_id, quantity (a replay's frames)."""
    if orders.height == 0:
        return pl.DataFrame(schema={"week": pl.Date, "units": pl.Int64, "days": pl.Int64})
    first, last = orders.select(
        first=pl.col("purchased_at").min().dt.date(), last=pl.col("purchased_at").max().dt.date()
    ).row(0)
    days = (
        pl.DataFrame({"day": pl.date_range(first, last, "1d", eager=True)})
        .group_by(week=pl.col("day").dt.truncate("1w"))
        .agg(days=pl.len().cast(pl.Int64))
    )
    bought = (
        lines.join(orders.select("order_id", "purchased_at"), on="order_id")
        .group_by(week=pl.col("purchased_at").dt.truncate("1w").dt.date())
        .agg(units=pl.col("quantity").sum().cast(pl.Int64))
    )
    return (
        days.join(bought, on="week", how="left")
        .select("week", pl.col("units").fill_null(0), "days")
        .sort("week")
    )


def promised_dates(order_keys: pl.DataFrame, source_orders: pl.DataFrame) -> pl.DataFrame:
    """order_id (baro), promised_at: the date the data set promised each replayed order.
    order_keys: order_id, source_order_id; source_orders: the replay's orders frame."""
    return order_keys.join(
        source_orders.select(source_order_id="order_id", promised_at="estimated_at"),
        on="source_order_id",
    ).select("order_id", "promised_at")


def baro_promises(events: Sequence[StoredEvent]) -> pl.DataFrame:
    """order_id, promised_at: the end of the delivery window baro itself promised at the
    click (``delivery_window`` of order.placed, baro.delivery.promise); orders placed
    without a promise are left out."""
    rows = [
        {
            "order_id": event.aggregate_id,
            "promised_at": datetime.fromisoformat(event.data["delivery_window"][1]),
        }
        for event in events
        if event.event_type == "order.placed" and event.data.get("delivery_window")
    ]
    return pl.DataFrame(
        rows, schema={"order_id": pl.String, "promised_at": pl.Datetime("us", "UTC")}
    )


def network_kpis(
    orders: pl.DataFrame,
    parcels: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
    promises: pl.DataFrame,
    baro_promised: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """facilities: facility_id, lat, lng, state; customers: customer_id, lat, lng, state;
    promises: order_id, promised_at (the delivery date the data set promised at the click);
    baro_promised: the same for baro's own promise (``baro_promises``), when it made one."""
    located = (
        parcels.join(orders.select("order_id", "customer_id"), on="order_id")
        .join(
            facilities.select("facility_id", f_lat="lat", f_lng="lng", f_state="state"),
            on="facility_id",
        )
        .join(
            customers.select("customer_id", c_lat="lat", c_lng="lng", c_state="state"),
            on="customer_id",
        )
    )
    km = [
        haversine_km(*row) for row in located.select("f_lat", "f_lng", "c_lat", "c_lng").iter_rows()
    ]
    nearest = _nearest_facility(customers, facilities)
    located = located.with_columns(km=pl.Series(km, dtype=pl.Float64)).join(
        nearest, on="customer_id", how="left"
    )
    parcels_per_order = located.group_by("order_id").agg(parcels=pl.len(), km=pl.col("km").sum())
    order_count = max(orders.height, 1)
    delivered = orders.drop_nulls("delivered_at").join(promises, on="order_id", how="left")
    on_time = delivered.filter(pl.col("delivered_at") <= pl.col("promised_at")).height
    total_parcels = parcels_per_order["parcels"].sum()
    total_km = float(parcels_per_order["km"].sum() or 0.0)
    cost = PARCEL_HANDLING * total_parcels + PER_KM * Decimal(str(round(total_km, 3)))
    hours = click_to_door_hours(orders)["hours"]
    months = _months(orders)
    return {
        "orders": orders.height,
        "delivered": delivered.height,
        "cancelled": orders.drop_nulls("cancelled_at").height,
        "click_to_door_p50_h": quantile_or_none(hours, 0.5),
        "click_to_door_p90_h": quantile_or_none(hours, 0.9),
        "on_time_rate": round(on_time / delivered.height, 4) if delivered.height else None,
        "on_time_rate_baro": _on_time(orders, baro_promised),
        "local_fill_rate_nearest": _share(located, pl.col("facility_id") == pl.col("nearest_id")),
        "local_fill_rate_same_state": _share(located, pl.col("f_state") == pl.col("c_state")),
        "split_shipment_rate": _share(parcels_per_order, pl.col("parcels") > 1),
        "transport_km_per_order": round(total_km / order_count, 1),
        "cost_per_order": float(round(cost / order_count, 2)),
        "repeat_customer_revenue_share": round(repeat_customer_revenue_share(orders), 4),
        "orders_per_customer_per_month": round(
            orders.height / max(orders["customer_id"].n_unique(), 1) / months, 4
        ),
    }


def regional_fill(
    orders: pl.DataFrame,
    parcels: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
    centres: pl.DataFrame,
) -> dict[str, float | None]:
    """local_fill_rate: share of the parcels of ``orders`` shipped from the customer's
    region, the catchment of the centre nearest them (centres: key, lat, lng; the same for
    every policy, so a seller in the customer's region counts as local too). Shipped from
    the customer's state is ``network_kpis``' local_fill_rate_same_state."""
    if centres.height == 0:
        return {"local_fill_rate": None}
    located = _regional_parcels(orders, parcels, facilities, customers, centres)
    return {"local_fill_rate": _share(located, pl.col("centre") == pl.col("home"))}


def local_fill_by_region(
    orders: pl.DataFrame,
    parcels: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
    centres: pl.DataFrame,
) -> list[dict[str, Any]]:
    """``regional_fill``'s local fill rate region by region, the customer's region: one row
    per centre (region, lat, lng, parcels, local_fill_rate; None where no parcel went), in
    the centres' order, so the rows' parcels add up to those the overall rate counts."""
    if centres.height == 0:
        return []
    located = _regional_parcels(orders, parcels, facilities, customers, centres)
    per_region = located.group_by("home").agg(
        parcels=pl.len().cast(pl.Int64),
        local=(pl.col("centre") == pl.col("home")).sum().cast(pl.Int64),
    )
    rows = (
        centres.select(region="key", lat="lat", lng="lng")
        .join(per_region, left_on="region", right_on="home", how="left", maintain_order="left")
        .with_columns(pl.col("parcels", "local").fill_null(0))
        .with_columns(
            local_fill_rate=pl.when(pl.col("parcels") > 0).then(
                (pl.col("local") / pl.col("parcels")).round(4)
            )
        )
        .drop("local")
    )
    return rows.to_dicts()


def _regional_parcels(
    orders: pl.DataFrame,
    parcels: pl.DataFrame,
    facilities: pl.DataFrame,
    customers: pl.DataFrame,
    centres: pl.DataFrame,
) -> pl.DataFrame:
    """One row per parcel of ``orders``: centre (the shipping facility's region), home (the
    customer's), f_state, c_state."""
    region = _nearest_centre(facilities, centres, "facility_id")
    home = _nearest_centre(customers, centres, "customer_id")
    return (
        parcels.join(orders.select("order_id", "customer_id"), on="order_id")
        .join(
            facilities.select("facility_id", f_state="state").join(region, on="facility_id"),
            on="facility_id",
        )
        .join(
            customers.select("customer_id", c_state="state").join(
                home.rename({"centre": "home"}), on="customer_id"
            ),
            on="customer_id",
        )
    )


def _nearest_centre(points: pl.DataFrame, centres: pl.DataFrame, key: str) -> pl.DataFrame:
    """key, centre: the centre nearest each point."""
    nearest = _nearest_facility(
        points.select(customer_id=key, lat="lat", lng="lng"),
        centres.select(facility_id="key", lat="lat", lng="lng"),
    )
    return nearest.select(pl.col("customer_id").alias(key), centre="nearest_id")


def _on_time(orders: pl.DataFrame, promised: pl.DataFrame | None) -> float | None:
    """Share of the delivered orders that baro made a promise for which arrived by its end."""
    if promised is None:
        return None
    delivered = orders.drop_nulls("delivered_at").join(promised, on="order_id", how="inner")
    if delivered.height == 0:
        return None
    on_time = delivered.filter(pl.col("delivered_at") <= pl.col("promised_at")).height
    return round(on_time / delivered.height, 4)


def _nearest_facility(customers: pl.DataFrame, facilities: pl.DataFrame) -> pl.DataFrame:
    """customer_id, nearest_id: the facility closest to each customer (great circle)."""
    site_lat = np.radians(facilities["lat"].to_numpy())
    site_lng = np.radians(facilities["lng"].to_numpy())
    nearest: list[int] = []
    lat = np.radians(customers["lat"].to_numpy())
    lng = np.radians(customers["lng"].to_numpy())
    for start in range(0, len(lat), 1_000):  # in blocks: customers x facilities can be large
        la, ln = lat[start : start + 1_000, None], lng[start : start + 1_000, None]
        # Haversine's monotone core: the smallest value is the nearest site.
        a = (
            np.sin((site_lat - la) / 2) ** 2
            + np.cos(la) * np.cos(site_lat) * np.sin((site_lng - ln) / 2) ** 2
        )
        nearest.extend(np.argmin(a, axis=1).tolist())
    ids = facilities["facility_id"].gather(nearest) if nearest else pl.Series([], dtype=pl.String)
    return pl.DataFrame({"customer_id": customers["customer_id"], "nearest_id": ids})


def _share(frame: pl.DataFrame, condition: pl.Expr) -> float | None:
    if frame.height == 0:
        return None
    return round(frame.filter(condition).height / frame.height, 4)


def quantile_or_none(values: pl.Series, q: float) -> float | None:
    if values.len() == 0:
        return None
    result = values.quantile(q, interpolation="linear")
    return round(float(result), 1) if result is not None else None


def _months(orders: pl.DataFrame) -> float:
    if orders.height == 0:
        return 1.0
    span = orders.select(pl.col("placed_at").max() - pl.col("placed_at").min()).item()
    return max(span.total_seconds() / (30.44 * 86400), 1.0)

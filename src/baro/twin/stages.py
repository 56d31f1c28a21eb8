"""Stage models: how long fulfilment (click → handed to the carrier) and delivery (carrier →
door) take in the twin. Explicit, pluggable components with their parameters in one place,
so that later work (the fulfillment center, van routes, drones) replaces them by the real thing.

The baseline models are calibrated on a data set's real timestamps: empirical distributions
(sampled with the twin's seeded generator), delivery conditioned on the seller-to-customer
distance band. Only orders before the replay period are used to calibrate when there are
enough of them (out-of-sample); otherwise all orders are (in-sample, said in the report).
These are the stages' base times; ``capacity.py`` adds the days an order waits when the
network's daily capacity, calibrated on the same orders, is used up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import polars as pl

from baro.core.geo import haversine_km
from baro.twin.capacity import Capacity, calibrate_capacity

MIN_CALIBRATION_ORDERS = 500
DISTANCE_BANDS_KM: Sequence[float] = (50.0, 200.0, 500.0, 1_000.0)  # upper edges; last is open


class FulfilmentModel(Protocol):
    def sample(self, rng: np.random.Generator) -> timedelta:
        """Time from the click to the parcel leaving with the carrier."""
        ...


class DeliveryModel(Protocol):
    def sample(self, distance_km: float, rng: np.random.Generator) -> timedelta:
        """Time from the carrier pick-up to the customer's door."""
        ...


@dataclass(frozen=True)
class EmpiricalFulfilment:
    hours: np.ndarray  # observed durations

    def __post_init__(self) -> None:
        if len(self.hours) == 0:
            raise ValueError("an empirical model needs at least one observation")

    def sample(self, rng: np.random.Generator) -> timedelta:
        return timedelta(hours=float(rng.choice(self.hours)))


@dataclass(frozen=True)
class DistanceBandDelivery:
    """Observed carrier-to-door durations per distance band (``DISTANCE_BANDS_KM``)."""

    hours_by_band: Sequence[np.ndarray]
    band_edges_km: Sequence[float] = field(default=DISTANCE_BANDS_KM)

    def __post_init__(self) -> None:
        if len(self.hours_by_band) != len(self.band_edges_km) + 1:
            raise ValueError("one set of observations per band, the last band open-ended")

    def sample(self, distance_km: float, rng: np.random.Generator) -> timedelta:
        band = int(np.searchsorted(self.band_edges_km, distance_km))
        # An empty band borrows from the nearest band that has observations.
        by_closeness = sorted(range(len(self.hours_by_band)), key=lambda i: abs(i - band))
        observed = next(self.hours_by_band[i] for i in by_closeness if len(self.hours_by_band[i]))
        return timedelta(hours=float(rng.choice(observed)))


@dataclass(frozen=True)
class StageModels:
    fulfilment: FulfilmentModel
    delivery: DeliveryModel
    calibrated_on: int  # orders
    in_sample: bool
    capacity: Capacity | None = None  # None: no limit (nothing to calibrate it on)


def stage_durations(
    orders: pl.DataFrame, lines: pl.DataFrame, customers: pl.DataFrame, sellers: pl.DataFrame
) -> pl.DataFrame:
    """Delivered orders with fulfil_h, deliver_h, click_to_door_h and distance_km (from the
    order's first seller to the customer). Impossible records (negative stages) are dropped."""
    first_seller = lines.group_by("order_id").agg(pl.col("seller_id").first())
    frame = (
        orders.filter(pl.col("status") == "delivered")
        .drop_nulls(["carrier_at", "delivered_at"])
        .join(first_seller, on="order_id")
        .join(customers.select("customer_key", c_lat="lat", c_lng="lng"), on="customer_key")
        .join(sellers.select("seller_id", s_lat="lat", s_lng="lng"), on="seller_id")
        .with_columns(
            fulfil_h=(pl.col("carrier_at") - pl.col("purchased_at")).dt.total_seconds() / 3600,
            deliver_h=(pl.col("delivered_at") - pl.col("carrier_at")).dt.total_seconds() / 3600,
            click_to_door_h=(pl.col("delivered_at") - pl.col("purchased_at")).dt.total_seconds()
            / 3600,
        )
        .filter(pl.col("fulfil_h") >= 0, pl.col("deliver_h") >= 0)
    )
    distances = [
        haversine_km(a, b, c, d)
        for a, b, c, d in frame.select("s_lat", "s_lng", "c_lat", "c_lng").iter_rows()
    ]
    # In purchase order: joins do not promise to keep rows in order, and the seeded draws
    # from these observations must not depend on how a join happened to lay them out.
    return frame.with_columns(distance_km=pl.Series(distances, dtype=pl.Float64)).sort(
        "purchased_at", "order_id"
    )


def calibrate(durations: pl.DataFrame, *, before: datetime | None) -> StageModels:
    """Fit the baseline stage models on orders purchased before ``before`` (if enough)."""
    training = durations
    in_sample = True
    if before is not None:
        earlier = durations.filter(pl.col("purchased_at") < before)
        if earlier.height >= MIN_CALIBRATION_ORDERS:
            training, in_sample = earlier, False
    if training.height == 0:
        raise ValueError("no delivered orders with complete timestamps to calibrate on")
    # The same banding as DistanceBandDelivery.sample: an edge belongs to the band below it.
    bands = np.searchsorted(DISTANCE_BANDS_KM, training["distance_km"].to_numpy())
    delivered_h = training["deliver_h"].to_numpy()
    hours_by_band = [delivered_h[bands == index] for index in range(len(DISTANCE_BANDS_KM) + 1)]
    return StageModels(
        fulfilment=EmpiricalFulfilment(training["fulfil_h"].to_numpy()),
        delivery=DistanceBandDelivery(hours_by_band),
        calibrated_on=training.height,
        in_sample=in_sample,
    )


def assumed_stages() -> StageModels:
    """For data sets without delivery timestamps (Online Retail): a day to hand over to the
    carrier, then 1, 1.5, 2, 3 or 5 days by distance band. An assumption, not a calibration."""
    return StageModels(
        fulfilment=EmpiricalFulfilment(np.array([24.0])),
        delivery=DistanceBandDelivery([np.array([h]) for h in (24.0, 36.0, 48.0, 72.0, 120.0)]),
        calibrated_on=0,
        in_sample=True,
    )


def stage_models_for(
    durations: pl.DataFrame, orders: pl.DataFrame, *, before: datetime | None
) -> StageModels:
    """Calibrated models where the data has timings, the assumed ones (without capacity
    limits) where it has none. durations: ``stage_durations``; orders: the replay's orders,
    every status, for the daily intake and throughput that calibrate the capacity."""
    if durations.height == 0:
        return assumed_stages()
    models = calibrate(durations, before=before)
    capacity = calibrate_capacity(orders, before=before, in_sample=models.in_sample)
    return replace(models, capacity=capacity)

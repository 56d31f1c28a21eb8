"""Lost parcels: how often a parcel never reaches the door, calibrated on a data set, and
drawn in the twin (``engine.run_twin``), where the customer reports the loss and baro
re-ships through the platform's own path (``commerce.orders.reship``: the trust policy and
its abuse limits).

The rule (``lost_parcels``). A parcel is *lost* when it went with the carrier (a hand-over
time, an order not cancelled) and was not at the door ``grace`` after the date the data set
promised: never delivered (Olist's orders left ``shipped`` for good), or delivered after that
(a customer who waited that long reported it lost long before). Its fate is known from the
moment ``promised + grace``, so at a moment ``as_of`` only the orders with
``promised + grace <= as_of`` count, lost or not: nothing after ``as_of`` is read.

Grace: 30 days (``GRACE``). In the Olist sample, 99.9 % of the delivered parcels that
arrived late arrived within 31 days of the promised date; a month past it, a parcel that has
not come is not coming (83 of the sample's 91 lost parcels at 30 days never came at all).

Calibration (``calibrate_losses``): with a replay period starting at ``before``, only the
orders bought before it whose fate was known by then (``as_of = before``): the test period
never reaches the rate, nor does anything that happened after its start. Without a start,
every order whose fate is known by the data set's last timestamp: in-sample, and said so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from baro.core.events import DomainEvent

GRACE = timedelta(days=30)
CANCELLED_IN_DATA = ("canceled", "unavailable")
_TIMES = ("purchased_at", "approved_at", "carrier_at", "delivered_at", "estimated_at")


def data_end(orders: pl.DataFrame) -> datetime | None:
    """The data set's last recorded moment (any timestamp of any order): what it knew."""
    present = [c for c in _TIMES if c in orders.columns]
    if not present or orders.height == 0:
        return None
    value = orders.select(pl.max_horizontal(*(pl.col(c).max() for c in present))).item()
    return value if isinstance(value, datetime) else None


def lost_parcels(
    orders: pl.DataFrame, *, as_of: datetime, grace: timedelta = GRACE
) -> pl.DataFrame:
    """The orders that went with the carrier and whose fate was known at ``as_of``, with
    ``lost`` (Boolean) and ``never_delivered`` (Boolean). orders: the replay's frame
    (order_id, purchased_at, carrier_at, delivered_at, estimated_at, status)."""
    deadline = pl.col("estimated_at") + grace
    return (
        orders.filter(
            pl.col("carrier_at").is_not_null(),
            pl.col("estimated_at").is_not_null(),
            ~pl.col("status").is_in(CANCELLED_IN_DATA),
            pl.col("carrier_at") <= deadline,
            deadline <= as_of,
        )
        .with_columns(
            never_delivered=pl.col("delivered_at").is_null(),
            lost=pl.col("delivered_at").is_null() | (pl.col("delivered_at") > deadline),
        )
        .select("order_id", "purchased_at", "lost", "never_delivered")
    )


@dataclass(frozen=True)
class LossModel:
    """The probability that a parcel handed to the carrier is lost, and what it rests on."""

    rate: float
    lost: int
    shipped: int  # parcels whose fate was known: the rate's denominator
    never_delivered: int
    as_of: datetime
    in_sample: bool
    grace: timedelta = GRACE

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"a loss rate is a probability, got {self.rate}")

    def interval(self) -> tuple[float, float]:
        """Wilson's 95 % interval of the rate: how much the sample size allows it to move."""
        n, z = self.shipped, 1.96
        if n == 0:
            return 0.0, 1.0
        p = self.lost / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        return max(0.0, centre - half), min(1.0, centre + half)

    def describe(self) -> dict[str, Any]:
        low, high = self.interval()
        return {
            "rate": round(self.rate, 5),
            "rate_95_interval": [round(low, 5), round(high, 5)],
            "lost": self.lost,
            "never_delivered": self.never_delivered,
            "delivered_after_grace": self.lost - self.never_delivered,
            "shipped_with_known_fate": self.shipped,
            "as_of": self.as_of.isoformat(),
            "in_sample": self.in_sample,
            "grace_days": self.grace.days,
            "rule": "handed to the carrier, not cancelled, and not at the door "
            f"{self.grace.days} days after the data set's promised date",
        }


def calibrate_losses(
    orders: pl.DataFrame, *, before: datetime | None, grace: timedelta = GRACE
) -> LossModel | None:
    """The loss rate of ``orders`` (the whole data set's frame; see the module's rule) as
    known at ``before``, from the orders bought before it; None when no parcel's fate is
    known by then (or the data set has no promised dates to measure against)."""
    if "estimated_at" not in orders.columns or orders["estimated_at"].null_count() == orders.height:
        return None
    as_of = before if before is not None else data_end(orders)
    if as_of is None:
        return None
    training = orders if before is None else orders.filter(pl.col("purchased_at") < before)
    known = lost_parcels(training, as_of=as_of, grace=grace)
    if known.height == 0:
        return None
    lost = int(known["lost"].sum())
    return LossModel(
        rate=lost / known.height,
        lost=lost,
        shipped=known.height,
        never_delivered=int(known.filter(pl.col("lost"))["never_delivered"].sum()),
        as_of=as_of,
        in_sample=before is None,
        grace=grace,
    )


@dataclass(frozen=True, kw_only=True)
class LossReportEvent(DomainEvent):
    """``parcel.reported_lost`` on the lost order: the twin's customer said the parcel never
    came, and what the platform answered (``outcome``: reshipped, with ``reship_id``, or
    refused, with the refusal's ``code``). The platform writes no event for a refusal; the
    twin records both so that the report's figures come from the log alone."""

    @property
    def event_type(self) -> str:
        return "parcel.reported_lost"

"""A made-up shop where the answer is known: customers buy at their own Poisson rates, the
whole shop grows over the year, the customers who buy most are the likeliest to join, and a
member's rate is multiplied by ``uplift`` from the day they join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

START = datetime(2024, 1, 1, tzinfo=UTC)
DAYS = 420


@dataclass(frozen=True)
class Shop:
    orders: pl.DataFrame
    memberships: pl.DataFrame


def shop(*, uplift: float, customers: int = 3_000, seed: int = 1) -> Shop:
    rng = np.random.default_rng(seed)
    rate = rng.lognormal(mean=np.log(1.0), sigma=0.7, size=customers) / 30  # orders a day
    # Self-selection: the odds of joining grow with the rate (4x as likely at twice the rate).
    joins = rng.random(customers) < 0.5 * np.minimum(1.0, (rate * 30) ** 2 / 4)
    join_day = np.where(joins, rng.integers(120, 300, size=customers), DAYS + 1)
    day = np.arange(DAYS)
    growth = 1 + 0.6 * day / DAYS  # the season every customer shares
    expected = (
        rate[:, None] * growth[None, :] * np.where(day[None, :] >= join_day[:, None], uplift, 1)
    )
    counts = rng.poisson(expected)
    who, when = np.nonzero(counts)
    repeats = counts[who, when]
    who, when = np.repeat(who, repeats), np.repeat(when, repeats)
    hour = rng.integers(8, 20, size=who.size)
    orders = pl.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(who.size)],
            "customer_id": [f"c{c}" for c in who],
            "placed_at": [
                START + timedelta(days=int(d), hours=int(h))
                for d, h in zip(when, hour, strict=True)
            ],
            "total_minor": rng.integers(2_000, 6_000, size=who.size),
            "currency": "USD",
            "items": rng.integers(1, 5, size=who.size),
            "margin_minor": np.full(who.size, 1_000),
            "shipping_minor": np.full(who.size, 400),
        },
        schema_overrides={
            "placed_at": pl.Datetime("us", "UTC"),
            "total_minor": pl.Int64,
            "items": pl.Int64,
            "margin_minor": pl.Int64,
            "shipping_minor": pl.Int64,
        },
    )
    members = np.flatnonzero(joins)
    memberships = pl.DataFrame(
        {
            "customer_id": [f"c{c}" for c in members],
            "joined_at": [START + timedelta(days=int(join_day[c])) for c in members],
            "ended_at": [None] * members.size,
        },
        schema={
            "customer_id": pl.String,
            "joined_at": pl.Datetime("us", "UTC"),
            "ended_at": pl.Datetime("us", "UTC"),
        },
    )
    return Shop(orders, memberships)

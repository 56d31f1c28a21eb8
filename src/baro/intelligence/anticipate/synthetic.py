"""Seeded synthetic planning problems of any size, for benches and tests.

A hub holds most of the stock; ``facilities`` serving facilities share the regions round
robin (each region also listed, farther, under the next facility, so the nearest rule has
work to do); a few products sell most (log-normal popularity), regions take Dirichlet
shares; the forecast has a mean and 80 / 95 % bounds like a count forecaster's (lower bounds
clipped at zero). The budget covers 80 % of expected demand and each facility's capacity
45 % of the budget, so both bind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from baro.intelligence.anticipate.sites import Sites

Z_80, Z_95 = 1.2816, 1.96


@dataclass(frozen=True)
class Problem:
    """Inputs for ``plan_transfers(forecast, sites, budget_units=..., now=...)``."""

    forecast: pl.DataFrame
    sites: Sites
    budget_units: int
    now: datetime


def synthetic_problem(
    products: int, regions: int, facilities: int, *, seed: int, now: datetime, days: int = 7
) -> Problem:
    if min(products, regions, facilities) < 1:
        raise ValueError("products, regions and facilities must each be at least 1")
    rng = np.random.default_rng(seed)
    product_ids = [f"p{i:05d}" for i in range(products)]
    region_ids = [f"r{i:03d}" for i in range(regions)]
    forward = [f"fc{i}" for i in range(facilities)]

    weekly = rng.lognormal(mean=1.0, sigma=1.2, size=products)  # units a week, all regions
    shares = rng.dirichlet(np.full(regions, 2.0))
    mean = np.outer(weekly * days / 7, shares).ravel()
    std = np.sqrt(mean) * 1.3  # overdispersed, as sales counts are
    forecast = pl.DataFrame(
        {
            "product_id": np.repeat(product_ids, regions),
            "region": np.tile(region_ids, products),
            # Two days out: every lane (24 h from the hub, 36 h between facilities) arrives.
            "period": [now.date() + timedelta(days=2)] * (products * regions),
            "mean": mean,
            "lo_80": np.clip(mean - Z_80 * std, 0, None),
            "hi_80": mean + Z_80 * std,
            "lo_95": np.clip(mean - Z_95 * std, 0, None),
            "hi_95": mean + Z_95 * std,
            "value_minor": np.repeat(rng.integers(300, 5_000, size=products), regions),
        },
        schema_overrides={"period": pl.Date},
    )
    total = float(mean.sum())
    budget = int(0.8 * total)

    hub_units = np.ceil(weekly * days / 7 * 1.5).astype(np.int64)
    forward_units = rng.binomial(np.ceil(weekly).astype(np.int64), 0.2, size=(facilities, products))
    stock = pl.concat(
        [
            pl.DataFrame({"facility_id": "hub", "product_id": product_ids, "units": hub_units}),
            *(
                pl.DataFrame(
                    {"facility_id": name, "product_id": product_ids, "units": forward_units[i]}
                )
                for i, name in enumerate(forward)
            ),
        ]
    ).filter(pl.col("units") > 0)
    catchment = pl.DataFrame(
        {
            "facility_id": [forward[i % facilities] for i in range(regions)]
            + [forward[(i + 1) % facilities] for i in range(regions)],
            "region": region_ids * 2,
            "transit_hours": list(rng.uniform(4, 24, regions)) + list(rng.uniform(30, 60, regions)),
            "ship_cost_minor": list(rng.integers(50, 200, regions))
            + list(rng.integers(200, 600, regions)),
        }
    ).unique(["facility_id", "region"], keep="first", maintain_order=True)
    lanes = pl.DataFrame(
        {
            "from_facility": ["hub"] * facilities + [a for a in forward for b in forward if a != b],
            "to_facility": forward + [b for a in forward for b in forward if a != b],
            "lead_hours": [24.0] * facilities + [36.0] * (facilities * (facilities - 1)),
            "cost_minor": [60] * facilities + [90] * (facilities * (facilities - 1)),
        }
    )
    sites = Sites(
        facilities=pl.DataFrame(
            {
                "facility_id": ["hub", *forward],
                "capacity_units": [None] + [int(0.45 * budget) + 1] * facilities,
            },
            schema_overrides={"capacity_units": pl.Int64},
        ),
        stock=stock,
        catchment=catchment,
        lanes=lanes,
    )
    return Problem(forecast, sites, budget, now)

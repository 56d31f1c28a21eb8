"""Where stock sits before the orders come: the policies the twin compares.

A policy places facilities and stocks them from what the replay will sell; the real order
services then allocate each line (nearest facility that can fill it) exactly as in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

from baro.network import FacilityKind
from baro.twin.facility_siting import distances_km, weighted_k_medoids

SAFETY_FACTOR = 2  # stock twice what will be sold: the policy is about place, not quantity


@dataclass(frozen=True)
class Placement:
    """facilities: key, name, kind, lat, lng, state. stock: facility key, product_id, units."""

    facilities: pl.DataFrame
    stock: pl.DataFrame


class StockPolicy(Protocol):
    name: str

    def place(
        self,
        lines: pl.DataFrame,
        sellers: pl.DataFrame,
        customers: pl.DataFrame,
        orders: pl.DataFrame,
    ) -> Placement:
        """lines/sellers/customers/orders: the replay's frames (``baro.twin.replay``)."""
        ...


@dataclass(frozen=True)
class SellerShipsBaseline:
    """How Olist worked: each seller keeps its own stock and ships from its own address."""

    name: str = "baseline"

    def place(
        self,
        lines: pl.DataFrame,
        sellers: pl.DataFrame,
        customers: pl.DataFrame,
        orders: pl.DataFrame,
    ) -> Placement:
        sold = lines.group_by("seller_id", "product_id").agg(units=pl.col("quantity").sum())
        facilities = sellers.join(sold.select("seller_id").unique(), on="seller_id").select(
            key=pl.col("seller_id"),
            name=pl.lit("Seller ") + pl.col("seller_id").str.slice(0, 8),
            kind=pl.lit(FacilityKind.SELLER_WAREHOUSE.value),
            lat="lat",
            lng="lng",
            state="state",
        )
        stock = sold.select(
            key=pl.col("seller_id"), product_id="product_id", units=pl.col("units") * SAFETY_FACTOR
        )
        return Placement(facilities, stock)


@dataclass(frozen=True)
class OracleRegionalCenters:
    """An upper bound, not a forecast: K fulfillment centers sited by weighted k-medoids over
    the customers who will order, each stocked with exactly what its region will buy. It
    knows the future by construction; real policies (anticipatory shipping) are measured
    against it and against the baseline."""

    centers: int = 5
    seed: int = 7
    name: str = "oracle"

    def place(
        self,
        lines: pl.DataFrame,
        sellers: pl.DataFrame,
        customers: pl.DataFrame,
        orders: pl.DataFrame,
    ) -> Placement:
        demand = (
            orders.group_by("customer_key").agg(orders=pl.len()).join(customers, on="customer_key")
        )
        k = min(self.centers, demand.height)
        medoids = weighted_k_medoids(
            demand["lat"].to_numpy(),
            demand["lng"].to_numpy(),
            demand["orders"].to_numpy().astype(float),
            k,
            seed=self.seed,
        )
        sites = demand[medoids.tolist()].with_row_index("center")
        facilities = sites.select(
            key=pl.format("fc{}", "center"),
            name=pl.format("FC {} ({})", pl.col("center") + 1, "state"),
            kind=pl.lit(FacilityKind.FULFILLMENT_CENTER.value),
            lat="lat",
            lng="lng",
            state="state",
        )
        region = _nearest_site(demand, sites).select(
            "customer_key", key=pl.format("fc{}", "center")
        )
        stock = (
            lines.join(orders.select("order_id", "customer_key"), on="order_id")
            .join(region, on="customer_key")
            .group_by("key", "product_id")
            .agg(units=pl.col("quantity").sum() * SAFETY_FACTOR)
        )
        return Placement(facilities, stock.select("key", "product_id", "units"))


def _nearest_site(points: pl.DataFrame, sites: pl.DataFrame) -> pl.DataFrame:

    distance = distances_km(
        points["lat"].to_numpy(),
        points["lng"].to_numpy(),
        sites["lat"].to_numpy(),
        sites["lng"].to_numpy(),
    )
    return points.with_columns(center=pl.Series(distance.argmin(axis=1), dtype=pl.UInt32))


POLICIES: dict[str, StockPolicy] = {
    "baseline": SellerShipsBaseline(),
    "oracle": OracleRegionalCenters(),
}

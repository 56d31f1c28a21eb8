"""Where stock sits before the orders come: the policies the twin compares.

A policy places facilities and stocks them from what the replay will sell; the real order
services then allocate each line (nearest facility that can fill it) exactly as in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import polars as pl

from baro.network import FacilityKind

SAFETY_FACTOR = 2  # stock twice what will be sold: the policy is about place, not quantity


@dataclass(frozen=True)
class Placement:
    """facilities: key, name, kind, lat, lng, state. stock: facility key, product_id, units."""

    facilities: pl.DataFrame
    stock: pl.DataFrame


class StockPolicy(Protocol):
    name: str

    def place(self, lines: pl.DataFrame, sellers: pl.DataFrame) -> Placement: ...


@dataclass(frozen=True)
class SellerShipsBaseline:
    """How Olist worked: each seller keeps its own stock and ships from its own address."""

    name: str = "baseline"

    def place(self, lines: pl.DataFrame, sellers: pl.DataFrame) -> Placement:
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


POLICIES: dict[str, StockPolicy] = {"baseline": SellerShipsBaseline()}

"""What the policies that stock baro's own centres share: where the centres stand, how many
units they may hold, and who ships what they do not hold.

Every one of them is measured in the same world (``baro bench anticipate`` compares them):

- **Centres** (``centre_sites``): ``CENTRES`` fulfillment centres sited by weighted k-medoids
  over the customers who ordered *before* the test period, weighted by their orders. Only a
  policy that knows the future by construction (``oracle``) may site them on the test's
  customers, and only when there is no history to site them on.
- **Regions**: a customer's region is the catchment of the centre nearest them.
- **Budget** (``inventory_budget``): units the centres hold in all, the units sold in the
  equally long period just before the test.
- **Marketplace sellers** (``with_sellers``): beside the centres, each seller keeps what it
  sold and ships it from its own address, as Olist worked; the allocation ships each line
  from the nearest facility that holds it, centre or seller, as in production. The sellers'
  stock is what they sold in the period (the baseline's), so that no order fails for want of
  stock; it is the same in every policy and not part of the budget, and no policy's
  placement reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

import numpy as np
import polars as pl

from baro.network import FacilityKind
from baro.platform import Platform
from baro.twin.facility_siting import distances_km, weighted_k_medoids
from baro.twin.replay import ReplayData

CENTRES = 5
SITING_SEED = 7
SAFETY_FACTOR = 2  # the sellers' own stock: twice what they sold, so no order fails for want
NO_HISTORY = (
    "no orders before the test period: no centre can be sited or stocked without knowing the "
    "future, so the sellers ship everything (as the baseline)"
)


class Replanner(Protocol):
    """A policy that acts again on the twin's clock, every ``every`` from the test's start."""

    every: timedelta

    def replan(
        self,
        platform: Platform,
        centres: Mapping[str, str],
        catalogue: Mapping[str, str],
        now: datetime,
    ) -> Mapping[str, int]:
        """Plan on the network as it stands and send the transfers through it; returns what
        it did in units (``replan_units`` moved between centres, speculative ones...), which
        the twin adds up over the run into the policy's figures. centres: the placement's
        centre keys -> facility ids; catalogue: the data set's product ids -> the
        platform's."""
        ...


@dataclass(frozen=True)
class Placement:
    """facilities: key, name, kind, lat, lng, state. stock: key, product_id, units.

    centres: keys of the retailer's own centres (empty: none). replanner: what the policy
    does again on the twin's clock (None: it places stock once). figures: what the policy
    did, for the report (units moved by its plans, the forecast's size...). notes: why it did
    what it did, in words (a degraded plan always says why)."""

    facilities: pl.DataFrame
    stock: pl.DataFrame
    centres: frozenset[str] = frozenset()
    figures: dict[str, object] | None = None
    notes: tuple[str, ...] = ()
    replanner: Replanner | None = None


def start_of(test: ReplayData) -> datetime:
    """Midnight UTC of the test's first day."""
    first, _ = test.period
    return datetime.combine(first.date(), time(), UTC)


def test_days(test: ReplayData) -> int:
    first, last = test.period
    return (last.date() - first.date()).days + 1


def inventory_budget(history: ReplayData, test: ReplayData) -> int:
    """Units sold in the equally long period just before the test."""
    start = start_of(test)
    before = history.orders.filter(
        pl.col("purchased_at") >= start - timedelta(days=test_days(test)),
        pl.col("purchased_at") < start,
    )
    lines = history.lines.join(before.select("order_id"), on="order_id", how="semi")
    return int(lines["quantity"].sum() or 0)


def demand_points(replay: ReplayData) -> pl.DataFrame:
    """customer_key, lat, lng, state, orders: who ordered, where, how often."""
    return (
        replay.orders.group_by("customer_key")
        .agg(orders=pl.len())
        .join(replay.customers, on="customer_key")
        .sort("customer_key")
    )


def centre_sites(replay: ReplayData, centres: int = CENTRES) -> pl.DataFrame:
    """key, name, kind, lat, lng, state: centres sited over ``replay``'s customers."""
    demand = demand_points(replay)
    k = min(centres, demand.height)
    if k == 0:
        return pl.DataFrame(
            schema={
                "key": pl.String,
                "name": pl.String,
                "kind": pl.String,
                "lat": pl.Float64,
                "lng": pl.Float64,
                "state": pl.String,
            }
        )
    medoids = weighted_k_medoids(
        demand["lat"].to_numpy(),
        demand["lng"].to_numpy(),
        demand["orders"].to_numpy().astype(float),
        k,
        seed=SITING_SEED,
    )
    return (
        demand[medoids.tolist()]
        .with_row_index("centre")
        .select(
            key=pl.format("centre-{}", "centre"),
            name=pl.format("FC {} ({})", pl.col("centre") + 1, "state"),
            kind=pl.lit(FacilityKind.FULFILLMENT_CENTER.value),
            lat="lat",
            lng="lng",
            state="state",
        )
    )


def nearest_site(points: pl.DataFrame, sites: pl.DataFrame) -> pl.Series:
    """The key of the site nearest each point (points: lat, lng)."""
    distance = distances_km(
        points["lat"].to_numpy(),
        points["lng"].to_numpy(),
        sites["lat"].to_numpy(),
        sites["lng"].to_numpy(),
    )
    nearest = distance.argmin(axis=1) if points.height else np.array([], dtype=np.int64)
    return sites["key"].gather(nearest.tolist()).alias("region")


def regions_of(history: ReplayData, test: ReplayData) -> pl.DataFrame:
    """The centres every policy is measured against (key, lat, lng): sited on the history,
    or on the test's customers when there is none (the same for every policy either way)."""
    return centre_sites(history if history.orders.height else test).select("key", "lat", "lng")


def regions(customers: pl.DataFrame, sites: pl.DataFrame) -> pl.DataFrame:
    """customer_key, region: the catchment of the centre nearest each customer."""
    return customers.select("customer_key").with_columns(nearest_site(customers, sites))


def sold_lines(replay: ReplayData, sites: pl.DataFrame) -> pl.DataFrame:
    """order_id, product_id, category, region, day, quantity: every line with its region."""
    located = replay.orders.select("order_id", "customer_key", "purchased_at").join(
        regions(replay.customers, sites), on="customer_key"
    )
    return (
        replay.lines.join(located, on="order_id")
        .join(replay.products.select("product_id", "category"), on="product_id", how="left")
        .select(
            "order_id",
            "product_id",
            category=pl.col("category").fill_null("uncategorised"),
            region="region",
            day=pl.col("purchased_at").dt.date(),
            purchased_at="purchased_at",
            quantity="quantity",
        )
    )


def sellers_placement(test: ReplayData) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(facilities, stock) of the marketplace sellers: each keeps what it sold in the test
    period (twice over) at its own address. This is Olist as it was, the ``baseline``."""
    sold = test.lines.group_by("seller_id", "product_id").agg(units=pl.col("quantity").sum())
    facilities = test.sellers.join(sold.select("seller_id").unique(), on="seller_id").select(
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
    return facilities, stock


@dataclass(frozen=True)
class Known:
    """What a planning policy knows when the test starts: the centres, the budget, and every
    line sold before it with its region (``sold_lines``)."""

    sites: pl.DataFrame
    budget: int
    sold: pl.DataFrame

    def stocked(
        self,
        test: ReplayData,
        stock: pl.DataFrame,
        figures: dict[str, object] | None = None,
        notes: tuple[str, ...] = (),
        replanner: Replanner | None = None,
    ) -> Placement:
        """The centres holding ``stock``, the sellers beside them (``with_sellers``)."""
        moved = {"budget_units": self.budget, "transfer_units": 0} | (figures or {})
        return with_sellers(test, self.sites, stock, moved, notes, replanner)


def known_before(test: ReplayData, history: ReplayData) -> Known | None:
    """The world a policy plans in, from ``history`` alone; None with no orders before the
    test (nothing to site or stock centres on)."""
    if history.orders.height == 0:
        return None
    sites = centre_sites(history)
    return Known(sites, inventory_budget(history, test), sold_lines(history, sites))


def sellers_only(test: ReplayData, policy: str) -> Placement:
    """The degraded plan of a policy with nothing to go on: the sellers ship everything."""
    facilities, stock = sellers_placement(test)
    return Placement(
        facilities, stock, figures={"centre_units": 0}, notes=(f"{policy}: {NO_HISTORY}",)
    )


def with_sellers(
    test: ReplayData,
    sites: pl.DataFrame,
    stock: pl.DataFrame,
    figures: dict[str, object],
    notes: tuple[str, ...] = (),
    replanner: Replanner | None = None,
) -> Placement:
    """The centres with ``stock`` (key, product_id, units), and the sellers beside them."""
    seller_sites, seller_stock = sellers_placement(test)
    held = stock.filter(pl.col("units") > 0).select(
        "key", "product_id", pl.col("units").cast(pl.Int64)
    )
    return Placement(
        facilities=pl.concat([sites, seller_sites]),
        stock=pl.concat([held, seller_stock.with_columns(pl.col("units").cast(pl.Int64))]),
        centres=frozenset(sites["key"].to_list()),
        figures={"centre_units": int(held["units"].sum() or 0), **figures},
        notes=notes,
        replanner=replanner,
    )


def apportion(total: pl.Expr, weight: str, within: list[str], order: list[str]) -> pl.Expr:
    """Whole units for each row: its group's ``total`` (``within`` columns make a group)
    split by the ``weight`` column by the largest remainder, so a group's units add up to
    its total; equal remainders go to the earlier row by ``order``."""
    exact = total * pl.col(weight) / pl.col(weight).sum().over(within)
    floor = exact.floor()
    rank = (exact - floor).rank("ordinal", descending=True).over(within, order_by=order)
    left = total - floor.sum().over(within)
    return (floor + (rank <= left).cast(pl.Float64)).cast(pl.Int64).alias("units")


def proportional_stock(sold: pl.DataFrame, budget: int) -> pl.DataFrame:
    """key, product_id, units: the budget split over (category, region) by the units
    ``sold`` in each, then within each such cell over the category's products by their units
    sold (the best sellers first when units are short)."""
    if budget <= 0 or sold.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "product_id": pl.String, "units": pl.Int64})
    cells = (
        sold.group_by("category", "region")
        .agg(cell=pl.col("quantity").sum())
        .with_columns(everywhere=pl.lit(0))
        .with_columns(
            apportion(pl.lit(budget), "cell", ["everywhere"], ["category", "region"]).alias(
                "cell_units"
            )
        )
    )
    products = sold.group_by("product_id", "category").agg(sold=pl.col("quantity").sum())
    return (
        cells.filter(pl.col("cell_units") > 0)
        .join(products, on="category")
        .with_columns(
            apportion(pl.col("cell_units"), "sold", ["category", "region"], ["product_id"])
        )
        .filter(pl.col("units") > 0)
        .select(key="region", product_id="product_id", units="units")
    )


def central_stock(sold: pl.DataFrame, budget: int, centre: str) -> pl.DataFrame:
    """key, product_id, units: the budget split over the products by their units ``sold``,
    all of it at ``centre``."""
    return (
        sold.group_by("product_id")
        .agg(sold=pl.col("quantity").sum())
        .with_columns(everywhere=pl.lit(0))
        .with_columns(apportion(pl.lit(budget), "sold", ["everywhere"], ["product_id"]))
        .filter(pl.col("units") > 0)
        .select(key=pl.lit(centre), product_id="product_id", units="units")
    )

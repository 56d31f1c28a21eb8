"""A catalogue from Instacart's 49,688 real product names (``instacart/`` in the data sets).

Instacart gives each product a name, an aisle and a department, and its order history says
how often each was bought; it gives no price, size or Korean name. So the English title is
the real name, the category is the aisle (``fresh_fruits``), the Korean title is generated
for the department (``grocery_titles``), and price, weight and size are drawn per product
from a seeded generator (a grocery range). Popularity is the number of times the product is
in a prior order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from baro.commerce.catalog import Dimensions, Product
from baro.core.ids import new_id
from baro.core.money import Money
from baro.datasets import (
    load_instacart_aisles,
    load_instacart_departments,
    load_instacart_order_products_prior,
    load_instacart_products,
)
from baro.twin.grocery_titles import grocery_title

PRICE_RANGE_MINOR = (99, 4_999)
WEIGHT_RANGE_G = (50, 5_000)


@dataclass(frozen=True)
class InstacartProduct:
    product: Product
    aisle: str  # as Instacart writes it: "fresh fruits"
    department: str
    orders: int  # prior orders holding it


def aisle_category(aisle: str) -> str:
    """The category code of an aisle: ``fresh fruits`` → ``fresh_fruits``."""
    return "_".join(aisle.split())


def instacart_frame(data_dir: Path | None) -> pl.DataFrame:
    """product_id, product_name, aisle, department, orders; most ordered first (ties by id)."""
    orders = load_instacart_order_products_prior(data_dir).group_by("product_id").len("orders")
    return (
        load_instacart_products(data_dir)
        .join(load_instacart_aisles(data_dir), on="aisle_id", how="left")
        .join(load_instacart_departments(data_dir), on="department_id", how="left")
        .join(orders, on="product_id", how="left")
        .select(
            "product_id",
            "product_name",
            aisle=pl.col("aisle").fill_null("missing"),
            department=pl.col("department").fill_null("missing"),
            orders=pl.col("orders").fill_null(0).cast(pl.Int64),
        )
        .filter(pl.col("product_name").str.strip_chars() != "")
        .sort(["orders", "product_id"], descending=[True, False])
    )


def instacart_products(
    data_dir: Path | None, *, limit: int | None = None, currency: str = "USD", seed: int = 7
) -> list[InstacartProduct]:
    """Up to ``limit`` Instacart products (all by default), most ordered first; the same
    seed gives the same titles, prices and sizes."""
    frame = instacart_frame(data_dir)
    rows = frame if limit is None else frame.head(limit)
    rng = random.Random(seed)
    return [_product(row, currency, rng) for row in rows.iter_rows(named=True)]


def _product(row: dict[str, object], currency: str, rng: random.Random) -> InstacartProduct:
    aisle = str(row["aisle"])
    department = str(row["department"])
    side = rng.randint(5, 40)
    product = Product(
        id=new_id("prd"),
        sku=f"IC-{row['product_id']}",
        title_ko=grocery_title(department, rng),
        title_en=str(row["product_name"]).strip(),
        category=aisle_category(aisle),
        price=Money(rng.randint(*PRICE_RANGE_MINOR), currency),
        weight_g=rng.randint(*WEIGHT_RANGE_G),
        dimensions=Dimensions(side, max(1, side // 2), max(1, side // 3)),
    )
    return InstacartProduct(product, aisle, department, int(row["orders"]))  # type: ignore[call-overload]

"""The frames a reorder prediction reads, their checks, and the one door that keeps targets out.

``orders``: customer_id (integer), order_id (integer), order_number (integer, 1..n per customer
in time order), days_since_prior (number of days since the customer's previous order; null for
the first). ``lines``: order_id, product_id (integers), one row per product in an order.
``targets``: customer_id, order_id, the orders whose reorders are predicted (or learned from).

Nothing here reads a target's lines except ``reorder_truth``, which the bench calls to score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import polars as pl

from baro.intelligence.replenish.errors import InvalidOrders

ORDER_COLUMNS = ("customer_id", "order_id", "order_number", "days_since_prior")
LINE_COLUMNS = ("order_id", "product_id")
TARGET_COLUMNS = ("customer_id", "order_id")


def checked(frame: pl.DataFrame, columns: tuple[str, ...], what: str) -> pl.DataFrame:
    """``frame`` reduced to ``columns``; ``InvalidOrders`` naming what is missing or wrong."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise InvalidOrders(f"the {what} frame lacks {', '.join(missing)}", missing=missing)
    wrong = [name for name in columns if not frame.schema[name].is_numeric()]
    if wrong:
        raise InvalidOrders(
            f"the {what} frame's {', '.join(wrong)} must be numbers (integer ids)", wrong=wrong
        )
    return frame.select(columns)


def orders_before(orders: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """``orders`` without each targeted customer's earliest target and everything after it.

    Customers without a target keep all their orders. This is how a caller keeps evaluation
    targets out of training: fit on ``orders_before(orders, evaluation_targets)``.
    """
    orders = checked(orders, ORDER_COLUMNS, "orders")
    first = targeted(orders, targets).group_by("customer_id").agg(cut=pl.col("order_number").min())
    return (
        orders.join(first, on="customer_id", how="left")
        .filter(pl.col("cut").is_null() | (pl.col("order_number") < pl.col("cut")))
        .drop("cut")
    )


def targeted(orders: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """The target orders' rows of ``orders``; ``InvalidOrders`` if a target is not an order."""
    targets = checked(targets, TARGET_COLUMNS, "targets")
    rows = orders.join(targets, on=["customer_id", "order_id"], how="semi")
    if rows.height != targets.unique().height:
        raise InvalidOrders(
            f"{targets.unique().height - rows.height} of {targets.height} targets are not "
            "orders of their customer"
        )
    return rows


def last_orders(orders: pl.DataFrame, *, back: int = 0) -> pl.DataFrame:
    """Each customer's last order (``back`` = 1: the one before it, …) as a targets frame.

    Only customers with at least one order before that target: a first order has nothing to
    reorder.
    """
    orders = checked(orders, ORDER_COLUMNS, "orders")
    return (
        orders.filter(
            pl.col("order_number").rank("ordinal", descending=True).over("customer_id") == back + 1,
            pl.col("order_number") > pl.col("order_number").min().over("customer_id"),
        )
        .select(TARGET_COLUMNS)
        .sort(TARGET_COLUMNS)
    )


def reorder_truth(orders: pl.DataFrame, lines: pl.DataFrame, targets: pl.DataFrame) -> pl.DataFrame:
    """customer_id, order_id, products: the target's products the customer had bought before
    (its reorders; an empty list when there are none, which the Kaggle rules score as None)."""
    orders = checked(orders, ORDER_COLUMNS, "orders")
    lines = checked(lines, LINE_COLUMNS, "lines")
    goal = targeted(orders, targets).select("customer_id", "order_id", target_number="order_number")
    earlier = (
        orders.join(goal.select("customer_id", "target_number"), on="customer_id")
        .filter(pl.col("order_number") < pl.col("target_number"))
        .join(lines, on="order_id")
        .select("customer_id", "product_id")
        .unique()
    )
    reorders = (
        goal.join(lines, on="order_id")
        .join(earlier, on=["customer_id", "product_id"], how="semi")
        .group_by("customer_id", "order_id")
        .agg(products=pl.col("product_id").unique().sort())
    )
    return (
        goal.select("customer_id", "order_id")
        .join(reorders, on=["customer_id", "order_id"], how="left")
        .with_columns(pl.col("products").fill_null([]))
        .sort("customer_id", "order_id")
    )


def hash_share(ids: Iterable[int], share: float, *, salt: str = "") -> set[int]:
    """The ids whose stable hash falls in the first ``share`` of the range: the same ids on
    every machine and Python (``hash()`` and Polars' hash are not stable across runs or
    versions), and an id's fate does not depend on which other ids are present."""
    chosen = set()
    for value in ids:
        digest = hashlib.blake2b(f"{salt}{value}".encode(), digest_size=8).digest()
        if int.from_bytes(digest, "big") < share * 2**64:
            chosen.add(value)
    return chosen

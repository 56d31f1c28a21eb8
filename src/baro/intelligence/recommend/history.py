"""What the recommenders read: each customer's orders, indexed for sparse matrices.

``History.build(orders, lines)`` takes the frames of ``baro.intelligence.replenish`` (orders:
customer_id, order_id, order_number, days_since_prior; lines: order_id, product_id) and keeps
only the lines of the orders given, so a caller that cuts targets out of ``orders`` (with
``orders_before``) cuts their lines out too. Customers and products become matrix rows and
columns; ``back`` counts orders from the customer's latest (0 = the latest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import sparse

from baro.intelligence.replenish.frames import LINE_COLUMNS, ORDER_COLUMNS, checked


@dataclass(frozen=True)
class History:
    """customer_id, order_id, product_id, row, col, back, n_orders, days_ago: one row per
    product in an order (a product twice in one order counts once)."""

    lines: pl.DataFrame
    customers: np.ndarray
    products: np.ndarray

    @classmethod
    def build(cls, orders: pl.DataFrame, lines: pl.DataFrame) -> History:
        orders = checked(orders, ORDER_COLUMNS, "orders")
        lines = checked(lines, LINE_COLUMNS, "lines")
        timed = orders.sort("customer_id", "order_number").with_columns(
            back=(
                pl.col("order_number").rank("ordinal", descending=True).over("customer_id") - 1
            ).cast(pl.Int32),
            n_orders=pl.len().over("customer_id").cast(pl.Int32),
            day=pl.col("days_since_prior")
            .fill_null(0)
            .cast(pl.Float64)
            .cum_sum()
            .over("customer_id"),
        )
        timed = timed.with_columns(days_ago=pl.col("day").max().over("customer_id") - pl.col("day"))
        joined = (
            timed.select("customer_id", "order_id", "back", "n_orders", "days_ago")
            .join(lines.unique(), on="order_id")
            .with_columns(pl.col("customer_id").cast(pl.Int64), pl.col("product_id").cast(pl.Int64))
        )
        customers = np.sort(timed["customer_id"].cast(pl.Int64).unique().to_numpy())
        products = np.sort(joined["product_id"].unique().to_numpy())
        indexed = joined.with_columns(
            row=pl.Series(np.searchsorted(customers, joined["customer_id"].to_numpy())).cast(
                pl.Int32
            ),
            col=pl.Series(np.searchsorted(products, joined["product_id"].to_numpy())).cast(
                pl.Int32
            ),
        )
        return cls(indexed.sort("row", "back", "col"), customers, products)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.customers), len(self.products)

    def rows(self, customer_ids: np.ndarray | list[int]) -> np.ndarray:
        """The matrix row of each customer id; -1 for a customer the history does not know."""
        ids = np.asarray(customer_ids, dtype=np.int64)
        at = np.searchsorted(self.customers, ids).clip(0, max(len(self.customers) - 1, 0))
        known = (len(self.customers) > 0) & (self.customers[at] == ids) if ids.size else ids == 0
        return np.where(known, at, -1)

    def matrix(self, values: pl.Expr | np.ndarray) -> sparse.csr_matrix:
        """customers x products, ``values`` of each line summed into its cell."""
        data = (
            self.lines.select(values.cast(pl.Float64)).to_series().to_numpy()
            if isinstance(values, pl.Expr)
            else np.asarray(values, dtype=np.float64)
        )
        m = sparse.csr_matrix(
            (data, (self.lines["row"].to_numpy(), self.lines["col"].to_numpy())), shape=self.shape
        )
        m.sum_duplicates()
        return m

    def orders_matrix(self, max_basket: int) -> sparse.csr_matrix:
        """orders x products, 1 where the order holds the product; orders of more than
        ``max_basket`` products left out (a wholesaler's invoice says little about pairs)."""
        kept = self.lines.filter(pl.len().over("order_id") <= max_basket)
        order_index = kept["order_id"].rank("dense").cast(pl.Int64).to_numpy() - 1
        n_orders = int(order_index.max()) + 1 if order_index.size else 0
        return sparse.csr_matrix(
            (np.ones(kept.height), (order_index, kept["col"].to_numpy())),
            shape=(n_orders, self.shape[1]),
        )

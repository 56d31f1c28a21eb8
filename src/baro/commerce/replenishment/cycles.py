"""The platform's order history as the frames ``baro.intelligence.replenish`` reads, and its
purchase cycles back as ``Cycle``s.

The interval model was built for Instacart's shape (orders numbered per customer, days since
the prior one); here each customer's orders are numbered by their placement time, the days
between them measured to the minute, and the order whose products are predicted is the one
a run would place now (``until``): its own lines are never read. Polars and the intelligence
package are imported here only, when a cycle is asked for: a server without the
``intelligence`` extra starts and serves, and fixed-interval subscriptions run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from baro.commerce.orders import Purchase

from .domain import INTELLIGENCE_HINT, Cycle, CycleModelUnavailable

DAY = timedelta(days=1)


def purchase_cycles(
    purchases: Sequence[Purchase], *, until: datetime
) -> dict[tuple[str, str], Cycle]:
    """(customer_id, product_id) -> its cycle, for every product a customer bought at least
    twice before ``until``; products bought once have no cycle yet and are missing."""
    try:
        import polars as pl

        from baro.intelligence.replenish import purchase_cycles as cycles_of
    except ModuleNotFoundError as error:
        raise CycleModelUnavailable(
            f"purchase cycles need baro's intelligence extra ({error.name} is not installed): "
            f"{INTELLIGENCE_HINT}"
        ) from error
    if not purchases:
        return {}
    frames = HistoryFrames.of(purchases, until)
    ids, days = pl.Int64, pl.Float64
    found = cycles_of(
        pl.DataFrame(frames.orders, schema=_columns(ORDER_COLUMNS, ids, days), orient="row"),
        pl.DataFrame(frames.lines, schema=_columns(LINE_COLUMNS, ids, days), orient="row"),
        pl.DataFrame(
            frames.predictions, schema=_columns(PREDICTION_COLUMNS, ids, days), orient="row"
        ),
    )
    cycles = {}
    for row in found.drop_nulls("expected_next_day").iter_rows(named=True):
        customer, product = frames.customers[row["customer_id"]], frames.products[row["product_id"]]
        first = frames.first_order[row["customer_id"]]
        cycles[(customer, product)] = Cycle(
            customer_id=customer,
            product_id=product,
            purchases=row["purchases"],
            last_bought=_on(first, row["last_day"]),
            interval_days=row["expected_next_day"] - row["last_day"],
            expected_next=_on(first, row["expected_next_day"]),
            earliest=_on(first, row["lo_day"]),
            latest=_on(first, row["hi_day"]),
        )
    return cycles


ORDER_COLUMNS = ("customer_id", "order_id", "order_number", "days_since_prior")
LINE_COLUMNS = ("order_id", "product_id")
# p_reorder is the reorder model's (LightGBM, trained per data set); a cycle does not use it.
PREDICTION_COLUMNS = ("customer_id", "order_id", "product_id", "p_reorder")
FRACTIONAL = ("days_since_prior", "p_reorder")


def _columns(names: tuple[str, ...], ids: Any, days: Any) -> dict[str, Any]:
    return {name: days if name in FRACTIONAL else ids for name in names}


def _on(first: datetime, day: float) -> date:
    return (first + day * DAY).date()


class HistoryFrames:
    """The rows of the three frames, with the integer ids the model reads mapped back:
    ``customers[i]`` and ``products[i]`` are the platform ids of integer id ``i``. Each
    customer's orders end with the one a run would place at ``until`` (no lines), which the
    recommenders read as the moment they score for."""

    def __init__(self) -> None:
        self.orders: list[tuple[Any, ...]] = []
        self.lines: list[tuple[int, int]] = []
        self.predictions: list[tuple[Any, ...]] = []
        self.customers: list[str] = []
        self.products: list[str] = []
        self.first_order: list[datetime] = []

    @classmethod
    def of(cls, purchases: Sequence[Purchase], until: datetime) -> HistoryFrames:
        frames = cls()
        product_ix: dict[str, int] = {}
        by_customer: dict[str, dict[str, tuple[datetime, list[str]]]] = {}
        for p in purchases:
            orders = by_customer.setdefault(p.customer_id, {})
            orders.setdefault(p.order_id, (p.placed_at, []))[1].append(p.product_id)
            product_ix.setdefault(p.product_id, len(product_ix))
        frames.products = list(product_ix)
        order_ix = 0
        for customer_ix, (customer, orders) in enumerate(sorted(by_customer.items())):
            frames.customers.append(customer)
            timeline = sorted(orders.values(), key=lambda placed: placed[0])
            frames.first_order.append(timeline[0][0])
            previous = None
            for number, (placed_at, products) in enumerate(timeline, start=1):
                order_ix += 1
                gap = None if previous is None else (placed_at - previous) / DAY
                frames.orders.append((customer_ix, order_ix, number, gap))
                frames.lines.extend((order_ix, product_ix[p]) for p in sorted(set(products)))
                previous = placed_at
            order_ix += 1  # the order a run would place now: the target, with no lines
            assert previous is not None
            frames.orders.append(
                (customer_ix, order_ix, len(timeline) + 1, (until - previous) / DAY)
            )
            bought = sorted({product_ix[p] for _, products in timeline for p in products})
            frames.predictions.extend((customer_ix, order_ix, p, None) for p in bought)
        return frames

"""``baro recommend train``: the platform's order history through ``baro.intelligence.
recommend``, written for serving (``store``). Rows per customer: *buy again* (their own
products, recent orders weighing more), *picked for you* (the LightGBM blend of buy-again,
TIFU-KNN, bought-together and trending; skipped while the history is too small to learn
from); for everyone, *trending* (the cold start); per product, its bought-together
neighbours (popularity-corrected), which serving applies to the customer's latest order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baro.commerce.orders import purchases_of
from baro.commerce.replenishment import LINE_COLUMNS, ORDER_COLUMNS, HistoryFrames
from baro.core.errors import Unavailable
from baro.core.geo import region_of
from baro.platform import Platform

from . import store
from .store import EVERYONE, HomeModel

BUY_AGAIN, PICKED, TRENDING = "buy_again", "picked", "trending"
REGION = "region:"  # the customer id of a region's trending rows: region:<H3 cell>
HINT = "pip install 'baro[intelligence]'"


class RecommendationsUnavailable(Unavailable):
    code = "recommendations_unavailable"


@dataclass(frozen=True)
class TrainSettings:
    row_size: int = 12  # products per row
    pairs: int = 12  # bought-together neighbours kept per product
    # A region trends on its own once this many of its customers have bought: fewer, and
    # its row would be one household's shopping.
    region_customers: int = 5


def train(
    platform: Platform, *, now: datetime | None = None, settings: TrainSettings | None = None
) -> HomeModel:
    """Fit on every order that stood before ``now`` and make the result the active model."""
    try:
        import numpy as np
        import polars as pl

        from baro.intelligence.recommend import (
            BlendSettings,
            BuyAgain,
            History,
            NotEnoughHistory,
            Trending,
            fit_blend,
            recommend,
        )
    except ModuleNotFoundError as missing:
        raise RecommendationsUnavailable(
            f"recommendations need baro's intelligence extra ({missing.name}): {HINT}"
        ) from missing
    settings = settings or TrainSettings()
    started = time.perf_counter()
    now = now or platform.clock.now()
    with platform.db.read() as session:
        purchases = purchases_of(session, None, until=now)
    frames = HistoryFrames.of(purchases, now)
    lines = pl.DataFrame(frames.lines, schema=dict.fromkeys(LINE_COLUMNS, pl.Int64), orient="row")
    orders = pl.DataFrame(frames.orders, schema=_order_schema(pl), orient="row").join(
        lines.select("order_id").unique(), on="order_id", how="semi"
    )  # not the empty "now" orders
    rows: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    if lines.height:
        history = History.build(orders, lines)
        everyone = np.arange(len(frames.customers))
        ranked = {
            BUY_AGAIN: recommend(BuyAgain().fit(history), history, everyone, settings.row_size)
        }
        try:
            blend = fit_blend(orders, lines, BlendSettings())
            ranked[PICKED] = blend.recommend(everyone, settings.row_size)
            similarity = blend.serving.scorers["copurchase"].similarity  # type: ignore[attr-defined]
        except NotEnoughHistory:
            from baro.intelligence.recommend import CoPurchase

            similarity = CoPurchase().fit(history).similarity
        for kind, frame in ranked.items():
            rows += _rows(kind, frame, frames)
        trending = recommend(Trending().fit(history), history, everyone[:1], settings.row_size)
        overall = _rows(TRENDING, trending, frames)
        rows += [{**row, "customer_id": EVERYONE} for row in overall]
        rows += _regional(platform, orders, lines, frames, settings, overall)
        pairs = _pairs(similarity, history.products, frames, settings.pairs)
    with platform.db.transaction() as session:
        model = HomeModel(
            store.next_version(session),
            now,
            len(frames.customers),
            len(frames.products),
            round(time.perf_counter() - started, 3),
        )
        for row in rows + pairs:
            row["version"] = model.version
        store.write_model(session, model, rows, pairs)
    return model


def _regional(
    platform: Platform,
    orders: Any,
    lines: Any,
    frames: HistoryFrames,
    settings: TrainSettings,
    overall: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Trending per region (the H3 region of the customer's default address): the same
    scorer, fitted on the orders of the region's customers only, its row filled up with
    what trends ``overall`` when the region buys fewer products than a row holds."""
    import numpy as np
    import polars as pl

    from baro.intelligence.recommend import History, Trending, recommend

    cells = platform.customers.home_cells()
    regions: dict[str, list[int]] = {}
    for number, customer in enumerate(frames.customers):
        if customer in cells:
            regions.setdefault(region_of(cells[customer]), []).append(number)
    found = []
    for region, members in sorted(regions.items()):
        if len(members) < settings.region_customers:
            continue
        local = orders.filter(pl.col("customer_id").is_in(np.array(members)))
        history = History.build(local, lines)
        best = recommend(Trending().fit(history), history, np.array(members[:1]), settings.row_size)
        local_rows = _rows(TRENDING, best, frames)
        have = {row["product_id"] for row in local_rows}
        local_rows += [row for row in overall if row["product_id"] not in have]
        found += [
            {**row, "customer_id": REGION + region, "position": position}
            for position, row in enumerate(local_rows[: settings.row_size], start=1)
        ]
    return found


def _order_schema(pl: Any) -> dict[str, Any]:
    return {name: pl.Float64 if name == "days_since_prior" else pl.Int64 for name in ORDER_COLUMNS}


def _rows(kind: str, frame: Any, frames: HistoryFrames) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": frames.customers[row["customer_id"]],
            "kind": kind,
            "position": row["rank"],
            "product_id": frames.products[row["product_id"]],
            "score": float(row["score"]),
        }
        for row in frame.iter_rows(named=True)
    ]


def _pairs(
    similarity: Any, products: Any, frames: HistoryFrames, keep: int
) -> list[dict[str, Any]]:
    """Each product's ``keep`` closest, from the fitted similarity matrix (columns are
    ``products``, the history's integer ids)."""
    import numpy as np

    found = []
    matrix = similarity.tocsr()
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        if start == end:
            continue
        values, cols = matrix.data[start:end], matrix.indices[start:end]
        order = np.lexsort((cols, -values))[:keep]
        product = frames.products[int(products[row])]
        found += [
            {
                "product_id": product,
                "position": position,
                "other_id": frames.products[int(products[cols[i]])],
                "score": float(values[i]),
            }
            for position, i in enumerate(order, start=1)
        ]
    return found

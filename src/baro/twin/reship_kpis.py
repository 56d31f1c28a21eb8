"""Lost parcels and their re-ships, from a twin run's event log: how many parcels were
lost, how many the platform re-shipped and how many its trust policy refused, and what the
re-ships cost.

What a re-ship costs baro: the goods given again at their price (the lost order's lines at
the unit prices it was sold at; a lost re-ship's goods are those of the order it replaced,
sold once) and the delivery of the second parcel (``delivery_kpis.parcel_costs``: its share
of a van route, its sortie, or the carrier's parcel). In minor units of the run's currency,
rounded once per parcel.

Where every figure comes from: ``parcel.reported_lost`` (the twin's customer reported it,
with the platform's answer: reshipped or refused, and the refusal's code) and
``order.placed`` (``reship_of``: the lost order it replaces).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import polars as pl

from baro.commerce.orders import ReshipLimitReached
from baro.core.events import StoredEvent
from baro.core.money import currency_exponent
from baro.twin.kpis import quantile_or_none

REPORTED = "parcel.reported_lost"
POLICY_REFUSAL = ReshipLimitReached.code


def reship_kpis(
    events: Sequence[StoredEvent],
    costs: pl.DataFrame,
    orders: pl.DataFrame,
    *,
    currency: str,
    orders_in_period: int,
    groups: pl.DataFrame | None = None,
) -> dict[str, Any]:
    """The figures for one run. costs: order_id, mode, cost (major units) of every order
    the run placed, re-ships included (``delivery_kpis.parcel_costs``); orders: order_id,
    placed_at, delivered_at (``kpis.order_frames``); orders_in_period: the replayed orders
    (the denominator of "per order"); groups: order_id, mode of the original orders, to
    count a loss under that mode rather than the one its parcel travelled by (a sampled
    run beside a routed one: the same orders under the same mode in both)."""
    placed: dict[str, Mapping[str, Any]] = {
        e.aggregate_id: e.data for e in events if e.event_type == "order.placed"
    }
    reports = [e for e in events if e.event_type == REPORTED]
    reships = {oid: data["reship_of"] for oid, data in placed.items() if data.get("reship_of")}

    def root(order_id: str) -> str:
        while order_id in reships:
            order_id = reships[order_id]
        return order_id

    mode_of = dict(costs.select("order_id", "mode").iter_rows())
    if groups is not None:
        mode_of.update(dict(groups.select("order_id", "mode").iter_rows()))
    cost_of = {oid: cost for oid, cost in costs.select("order_id", "cost").iter_rows()}
    scale = Decimal(10) ** currency_exponent(currency)

    def minor(amount: float | None) -> int:
        value = Decimal(str(amount or 0.0)) * scale
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

    def goods(order_id: str) -> int:
        lines = placed.get(root(order_id), {}).get("lines", [])
        return sum(int(line["unit_price_minor"]) * int(line["quantity"]) for line in lines)

    by_mode: dict[str, dict[str, int]] = {}

    def tally(order_id: str, key: str, amount: int = 1) -> None:
        mode = mode_of.get(root(order_id), "carrier")
        row = by_mode.setdefault(mode, {"lost": 0, "reshipped": 0, "refused": 0, "cost_minor": 0})
        row[key] += amount

    refusals: dict[str, int] = {}
    for report in reports:
        tally(report.aggregate_id, "lost")
        if report.data.get("outcome") == "reshipped":
            tally(report.aggregate_id, "reshipped")
        else:
            code = str(report.data.get("code"))
            refusals[code] = refusals.get(code, 0) + 1
            tally(report.aggregate_id, "refused")
    goods_minor = delivery_minor = 0
    for reship, lost in reships.items():
        given, carried = goods(lost), minor(cost_of.get(reship))
        goods_minor += given
        delivery_minor += carried
        tally(lost, "cost_minor", given + carried)
    total = goods_minor + delivery_minor
    delivered = dict(orders.select("order_id", "delivered_at").iter_rows())
    clicked = dict(orders.select("order_id", "placed_at").iter_rows())
    # The customer's wait for a lost order: from its click to the re-ship at the door.
    waits = [
        (delivered[reship] - clicked[root(reship)]).total_seconds() / 3600
        for reship in reships
        if delivered.get(reship) is not None and clicked.get(root(reship)) is not None
    ]
    made = len(reships)
    return {
        "currency": currency,
        "lost_parcels": len(reports),
        "reships": made,
        "refused_by_policy": refusals.get(POLICY_REFUSAL, 0),
        "refusals": dict(sorted(refusals.items())),
        "goods_minor": goods_minor,
        "delivery_minor": delivery_minor,
        "cost_minor": total,
        "cost_per_order_minor": round(total / orders_in_period) if orders_in_period else None,
        "cost_per_reship_minor": round(total / made) if made else None,
        "lost_click_to_reship_door_p50_h": quantile_or_none(
            pl.Series(waits, dtype=pl.Float64), 0.5
        ),
        "by_mode": {mode: by_mode[mode] for mode in sorted(by_mode)},
    }


def headline(figures: Mapping[str, Any]) -> dict[str, Any]:
    """The flat figures the report's key table shows (its cost per order in major units)."""
    per_order = figures.get("cost_per_order_minor")
    scale = Decimal(10) ** currency_exponent(figures["currency"])
    return {
        "lost_parcels": figures["lost_parcels"],
        "reships": figures["reships"],
        "reships_refused_by_policy": figures["refused_by_policy"],
        "reship_cost_per_order": float(Decimal(per_order) / scale)
        if per_order is not None
        else None,
    }

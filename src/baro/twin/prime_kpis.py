"""The economics of a twin run with and without Prime, from its outbox event log.

Per arm, over the run's orders (replayed and, with Prime, the members' added ones; a
re-ship is not an order), cancelled orders left out, money in the data set's currency
(major units):

- revenue: what customers paid for the orders (goods and delivery fees);
- shipping_cost: what delivering them cost the retailer (``kpis.COST_MODEL``, the same
  carrier cost for every option);
- shipping_absorbed: the delivery fees members did not pay (their benefit, recorded on
  each order as ``prime_absorbed_minor``): revenue the retailer gave up;
- membership_fees: the fees earned in the period: each paid period's charge, less its
  refund, spread over the days the member had it, the days inside the run counted
  (``membership_fees_charged`` is the cash taken, a yearly fee at once);
- profit: contribution = goods × ``PrimeModel.goods_margin`` + delivery fees paid +
  membership fees earned - shipping cost;
- orders_per_customer, members (open at the end), joined, renewals (of which trial
  conversions), churned (cancelled or lapsed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from baro.core.events import StoredEvent
from baro.core.money import currency_exponent
from baro.intelligence.customers import member_economics, memberships_from_events
from baro.twin.delivery import DeliveryCosts
from baro.twin.delivery_kpis import parcel_costs
from baro.twin.engine import TwinRun
from baro.twin.kpis import order_frames
from baro.twin.prime import PrimeArm, PrimeModel, members_frame
from baro.twin.report import PrimeSection

FIGURES = (
    "revenue",
    "shipping_cost",
    "shipping_absorbed",
    "membership_fees",
    "profit",
    "orders_per_customer",
    "members",
    "renewals",
    "churned",
)


@dataclass(frozen=True)
class ArmEconomics:
    """One arm's figures (``FIGURES`` and more) and its profit per day (day: Date,
    profit: Float64, major units), for the cumulative plot."""

    figures: dict[str, Any]
    daily_profit: pl.DataFrame


def arm_economics(
    run: TwinRun,
    model: PrimeModel,
    costs: DeliveryCosts,
    *,
    currency: str,
    period: tuple[datetime, datetime],
) -> ArmEconomics:
    unit = 10.0 ** currency_exponent(currency)
    orders = _orders(run).filter(pl.col("cancelled_at").is_null())
    _, parcels = order_frames(run.events)
    cost = parcel_costs(run.events, orders, parcels, run.facilities, run.customers, costs).select(
        "order_id", shipping=pl.col("cost").fill_null(0.0)
    )
    orders = orders.join(cost, on="order_id", how="left").with_columns(
        pl.col("shipping").fill_null(0.0),
        goods=(pl.col("total_minor") - pl.col("fee_minor")) / unit,
        fee=pl.col("fee_minor") / unit,
        absorbed=pl.col("absorbed_minor") / unit,
    )
    fees = _membership_fees(run.events, period, unit)
    by_day = (
        orders.group_by(day=pl.col("placed_at").dt.date())
        .agg(
            orders=(
                pl.col("goods").sum() * model.goods_margin
                + pl.col("fee").sum()
                - pl.col("shipping").sum()
            )
        )
        .join(fees.daily, on="day", how="full", coalesce=True)
        .select("day", profit=pl.col("orders").fill_null(0.0) + pl.col("fees").fill_null(0.0))
        .sort("day")
    )
    spells = memberships_from_events(run.events)
    end = period[1]
    kinds = [e.event_type for e in run.events]
    renewed = [e for e in run.events if e.event_type == "prime.renewed"]
    goods = float(orders["goods"].sum())
    figures = {
        "orders": orders.height,
        "added_orders": orders.filter(pl.col("source").str.starts_with("added:")).height,
        "customers": orders["customer_id"].n_unique(),
        "revenue": round(float((orders["goods"] + orders["fee"]).sum()), 2),
        "goods": round(goods, 2),
        "delivery_fees_paid": round(float(orders["fee"].sum()), 2),
        "shipping_cost": round(float(orders["shipping"].sum()), 2),
        "shipping_absorbed": round(float(orders["absorbed"].sum()), 2),
        "member_orders_with_benefit": orders.filter(pl.col("benefit").is_not_null()).height,
        "membership_fees": round(fees.earned, 2),
        "membership_fees_charged": round(fees.charged, 2),
        "profit": round(float(by_day["profit"].sum()), 2),
        "orders_per_customer": round(orders.height / max(orders["customer_id"].n_unique(), 1), 4),
        "joined": kinds.count("prime.joined"),
        "members": spells.filter(pl.col("ended_at").is_null() | (pl.col("ended_at") > end)).height,
        "renewals": len(renewed),
        "trial_conversions": sum(1 for e in renewed if e.data.get("period") == 1),
        "churned": kinds.count("prime.cancelled") + kinds.count("prime.lapsed"),
        "currency": currency,
    }
    return ArmEconomics(figures, by_day)


def differences(without: dict[str, Any], with_prime: dict[str, Any]) -> dict[str, float]:
    """With Prime minus without, for every number both arms have."""
    return {
        key: round(with_prime[key] - without[key], 4)
        for key in with_prime
        if isinstance(with_prime[key], int | float) and isinstance(without.get(key), int | float)
    }


def member_frequency(run: TwinRun, members: pl.DataFrame, end: datetime) -> dict[str, Any]:
    """How often members bought while members, against their own rate before joining:
    orders in their spells / (pre-join orders a day × spell days). ``members``:
    customer_id, joined_at, pre_join_per_day (``prime.members_frame``)."""
    spells = memberships_from_events(run.events).with_columns(
        until=pl.min_horizontal(pl.col("ended_at").fill_null(end), pl.lit(end))
    )
    orders = _orders(run).filter(pl.col("cancelled_at").is_null())
    during = (
        orders.join(spells, on="customer_id")
        .filter(pl.col("placed_at") >= pl.col("joined_at"), pl.col("placed_at") < pl.col("until"))
        .height
    )
    expected = spells.join(members.select("customer_id", "pre_join_per_day"), on="customer_id")
    expected_orders = float(
        (
            expected["pre_join_per_day"]
            * (expected["until"] - expected["joined_at"]).dt.total_seconds()
            / 86_400
        ).sum()
    )
    return {
        "member_orders": during,
        "at_pre_join_rate": round(expected_orders, 2),
        "ratio": round(during / expected_orders, 3) if expected_orders else None,
    }


def members_against_non_members(run: TwinRun, end: datetime) -> list[dict[str, Any]]:
    """``baro.intelligence.customers.member_economics`` on the run with Prime: its
    orders, and the spells its membership events make."""
    orders = _orders(run).filter(pl.col("cancelled_at").is_null())
    table = member_economics(
        orders.select("order_id", "customer_id", "placed_at", "total_minor", "items"),
        memberships_from_events(run.events),
        as_of=end,
    )
    return table.to_dicts()


def _orders(run: TwinRun) -> pl.DataFrame:
    """order_id, source, customer_id, placed_at, total_minor, fee_minor, absorbed_minor,
    benefit, items, cancelled_at: the run's orders (``order_keys``: no re-ships)."""
    rows = [
        {
            "order_id": e.aggregate_id,
            "customer_id": e.data["customer_id"],
            "placed_at": e.occurred_at,
            "total_minor": e.data["total_minor"],
            "fee_minor": e.data.get("delivery_fee_minor") or 0,
            "absorbed_minor": e.data.get("prime_absorbed_minor") or 0,
            "benefit": e.data.get("prime_benefit"),
            "items": sum(line["quantity"] for line in e.data["lines"]),
        }
        for e in run.events
        if e.event_type == "order.placed"
    ]
    placed = pl.DataFrame(
        rows,
        schema={
            "order_id": pl.String,
            "customer_id": pl.String,
            "placed_at": pl.Datetime("us", "UTC"),
            "total_minor": pl.Int64,
            "fee_minor": pl.Int64,
            "absorbed_minor": pl.Int64,
            "benefit": pl.String,
            "items": pl.Int64,
        },
    )
    cancelled = pl.DataFrame(
        [(e.aggregate_id, e.occurred_at) for e in run.events if e.event_type == "order.cancelled"],
        schema={"order_id": pl.String, "cancelled_at": pl.Datetime("us", "UTC")},
        orient="row",
    ).unique("order_id")
    keys = run.order_keys.select("order_id", source="source_order_id")
    return placed.join(keys, on="order_id").join(cancelled, on="order_id", how="left")


@dataclass(frozen=True)
class _Fees:
    earned: float
    charged: float
    daily: pl.DataFrame  # day (Date), fees (Float64)


def _membership_fees(
    events: Sequence[StoredEvent], period: tuple[datetime, datetime], unit: float
) -> _Fees:
    """Each paid period's charge less its refund, spread evenly over the time the member
    had it (to the period's end, or the cancel), counted where that falls in ``period``."""
    start, end = period
    paid: dict[tuple[str, int], list[Any]] = {}  # (membership, period) -> [from, to, amount]
    period_end: dict[str, datetime] = {}
    ended: dict[str, datetime] = {}
    charged = 0.0
    for e in sorted(events, key=lambda e: (e.occurred_at, e.seq)):
        if not e.event_type.startswith("prime."):
            continue
        m = e.aggregate_id
        if e.event_type == "prime.joined":
            to = datetime.fromisoformat(e.data["period_end"])
            if e.data.get("amount_minor"):
                paid[(m, 1)] = [e.occurred_at, to, e.data["amount_minor"] / unit]
            period_end[m] = to
        elif e.event_type == "prime.renewed":
            to = datetime.fromisoformat(e.data["period_end"])
            paid[(m, e.data["period"])] = [period_end[m], to, e.data["amount_minor"] / unit]
            period_end[m] = to
        elif e.event_type == "prime.refunded":
            if (m, e.data["period"]) in paid:
                paid[(m, e.data["period"])][2] -= e.data["amount_minor"] / unit
            charged -= e.data["amount_minor"] / unit
        elif e.event_type in ("prime.cancelled", "prime.lapsed"):
            ended[m] = e.occurred_at
    charged += sum(
        e.data.get("amount_minor", 0) / unit
        for e in events
        if e.event_type in ("prime.joined", "prime.renewed")
    )
    days: dict[Any, float] = {}
    for (m, _), (frm, to, amount) in paid.items():
        until = min(to, ended.get(m, to))
        if until <= frm:
            continue
        per_second = amount / (until - frm).total_seconds()
        a, b = max(frm, start), min(until, end)
        while a < b:
            midnight = datetime.combine(a.date() + timedelta(days=1), datetime.min.time(), a.tzinfo)
            step = min(midnight, b)
            days[a.date()] = days.get(a.date(), 0.0) + per_second * (step - a).total_seconds()
            a = step
    daily = pl.DataFrame(
        list(days.items()), schema={"day": pl.Date, "fees": pl.Float64}, orient="row"
    )
    return _Fees(sum(days.values()), charged, daily)


LABELS = {
    "revenue": "Revenue",
    "shipping_cost": "Shipping cost",
    "shipping_absorbed": "Shipping absorbed for members",
    "membership_fees": "Membership fees earned",
    "membership_fees_charged": "Membership fees charged",
    "profit": "Profit (contribution)",
    "orders": "Orders",
    "added_orders": "Members' added orders",
    "orders_per_customer": "Orders per customer",
    "joined": "Joined",
    "members": "Members at the end",
    "renewals": "Renewals (trial conversions included)",
    "churned": "Churned (cancelled or lapsed)",
}
MONEY = frozenset(
    {
        "revenue",
        "shipping_cost",
        "shipping_absorbed",
        "membership_fees",
        "membership_fees_charged",
        "profit",
    }
)


@dataclass(frozen=True)
class Comparison:
    """Both arms' figures for metrics.json (``metrics``) and the report (``section``)."""

    metrics: dict[str, Any]
    daily_profit: dict[str, pl.DataFrame]

    def section(self) -> PrimeSection:
        without, with_prime = self.metrics["without"], self.metrics["with"]
        currency = with_prime["currency"]
        diff = self.metrics["differences"]

        def shown(key: str, value: float) -> str:
            return f"{value:,.2f} {currency}" if key in MONEY else f"{value:,.4g}"

        rows = [
            (
                label,
                shown(key, without[key]),
                shown(key, with_prime[key]),
                ("+" if diff[key] > 0 else "") + shown(key, diff[key]),
            )
            for key, label in LABELS.items()
        ]
        return PrimeSection(rows, self.daily_profit, currency, self.metrics["notes"])


def compare_arms(
    without: TwinRun,
    with_prime: TwinRun,
    arm: PrimeArm,
    costs: DeliveryCosts,
    currency: str,
    period: tuple[datetime, datetime],
) -> Comparison:
    """The replay without Prime beside the same replay with ``arm``'s model."""
    model = arm.model
    plain = arm_economics(without, model, costs, currency=currency, period=period)
    prime = arm_economics(with_prime, model, costs, currency=currency, period=period)
    end = period[1]
    frequency = member_frequency(with_prime, members_frame(arm.members), end)
    notes = [
        f"Assumption, not a measurement: members buy {model.uplift:g}x as often as before "
        "they joined (MISSION.md: members buy 2-3x as often); the difference is added as "
        "copies of their own earlier baskets. Measured in this run: members ordered "
        f"{frequency['ratio']}x their pre-join rate ({frequency['member_orders']} orders "
        f"against {frequency['at_pre_join_rate']} at that rate).",
        f"Joining, renewal ({model.renewal:.0%}), trial conversion "
        f"({model.trial_conversion:.0%}), the share of members asking for same-day "
        f"({model.fast_share:.0%}) and the goods' margin ({model.goods_margin:.0%}) are "
        "assumptions too (twin/prime.py). Membership through baro.commerce.prime (sandbox "
        "gateway, renewals by its renewal job on the simulated clock); the fee earned is "
        "the part of each paid period inside the run; shipping absorbed is the fees members "
        "did not pay, shipping cost the carrier cost of every parcel (the same per option).",
    ]
    metrics = {
        "model": model.describe(),
        "without": plain.figures,
        "with": prime.figures,
        "differences": differences(plain.figures, prime.figures),
        "member_frequency_vs_pre_join": frequency,
        "members_vs_non_members": members_against_non_members(with_prime, end),
        "failed_joins": dict(arm.failed_joins),
        "notes": notes,
    }
    daily = {without.policy: plain.daily_profit, with_prime.policy: prime.daily_profit}
    return Comparison(metrics, daily)

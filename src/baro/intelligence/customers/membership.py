"""Members and non-members side by side, and how memberships start, renew and end.

A memberships frame has one row per spell of membership: customer_id (String), joined_at
(Datetime, UTC), ended_at (Datetime, UTC; null while it runs). The platform's outbox gives
it (``memberships_from_events``); a twin run or a test may build it directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import polars as pl

from baro.core.events import StoredEvent
from baro.intelligence.customers.frames import UTC_TIME, require

# Frequencies are per 30 days, the seed's "times as often" in months of equal length.
PER = timedelta(days=30)

MEMBERSHIPS_SCHEMA: Mapping[str, pl.DataType] = MappingProxyType(
    {"customer_id": pl.String(), "joined_at": UTC_TIME, "ended_at": UTC_TIME}
)


@dataclass(frozen=True)
class MembershipEventNames:
    """Which outbox events start, end or undo a membership, and the payload key of its
    customer: the one place to change when ``baro.commerce.prime`` renames them. Its events
    (``prime.*``) carry the customer on the join only and name the membership as their
    aggregate; the generic ``membership.*`` names are accepted with the customer in each."""

    joined: frozenset[str] = frozenset({"prime.joined", "membership.joined"})
    ended: frozenset[str] = frozenset({"prime.cancelled", "prime.lapsed", "membership.ended"})
    # A join whose first charge was declined never made a member: no spell, no churn.
    voided: frozenset[str] = frozenset({"prime.declined"})
    customer_key: str = "customer_id"


MEMBERSHIP_EVENTS = MembershipEventNames()


def memberships_from_events(
    events: Iterable[StoredEvent], names: MembershipEventNames = MEMBERSHIP_EVENTS
) -> pl.DataFrame:
    """Spells of membership (``MEMBERSHIPS_SCHEMA``) from outbox events, in time order. A join
    opens a spell for its membership (its aggregate) unless its customer has one open (a
    repeated join is not a second membership); an end closes the spell of its membership,
    or else of the customer its data names; an end with nothing open is ignored."""
    kinds = names.joined | names.ended | names.voided
    relevant = sorted(
        (e for e in events if e.event_type in kinds), key=lambda e: (e.occurred_at, e.seq)
    )
    open_spells: dict[str, tuple[str, datetime]] = {}  # membership -> customer, joined
    spells: list[dict[str, Any]] = []
    for event in relevant:
        customer = event.data.get(names.customer_key)
        if event.event_type in names.joined:
            if customer is None:
                raise KeyError(names.customer_key)
            if all(who != str(customer) for who, _ in open_spells.values()):
                open_spells[event.aggregate_id] = (str(customer), event.occurred_at)
            continue
        membership = event.aggregate_id if event.aggregate_id in open_spells else None
        if membership is None and customer is not None:
            membership = next(
                (m for m, (who, _) in open_spells.items() if who == str(customer)), None
            )
        if membership is None:
            continue
        who, joined = open_spells.pop(membership)
        if event.event_type in names.ended:
            spells.append({"customer_id": who, "joined_at": joined, "ended_at": event.occurred_at})
    spells.extend(
        {"customer_id": who, "joined_at": joined, "ended_at": None}
        for who, joined in open_spells.values()
    )
    return pl.DataFrame(spells, schema=MEMBERSHIPS_SCHEMA).sort("customer_id", "joined_at")


def member_orders(
    orders: pl.DataFrame, memberships: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """``orders`` with ``member`` (Boolean): placed during one of its customer's spells."""
    require(orders, "orders", "order_id", "customer_id", "placed_at")
    require(memberships, "memberships", "customer_id", "joined_at", "ended_at")
    during = (
        orders.select("order_id", "customer_id", "placed_at")
        .join(memberships, on="customer_id")
        .filter(
            pl.col("placed_at") >= pl.col("joined_at"),
            pl.col("placed_at") < pl.col("ended_at").fill_null(pl.lit(as_of)),
        )
        .select("order_id")
        .unique()
    )
    return orders.with_columns(member=pl.col("order_id").is_in(during["order_id"].implode()))


def member_economics(
    orders: pl.DataFrame, memberships: pl.DataFrame, *, as_of: datetime
) -> pl.DataFrame:
    """Orders -> state ("member", "non-member"), customers, orders, customer_days (Float64),
    orders_per_30_days, items_per_order, revenue_per_order_minor, and where the orders frame
    has them margin_per_order_minor and shipping_per_order_minor (Float64).

    A customer's time runs from their first order (or joining, if earlier) to ``as_of``; the
    days inside a spell are member time, the rest non-member time, so a member's months
    before joining count with the non-members. Member orders' shipping is absorbed by the
    retailer; margin_per_order_minor is before shipping.
    """
    require(orders, "orders", "customer_id", "placed_at", "total_minor", "items")
    require(memberships, "memberships", "customer_id", "joined_at", "ended_at")
    flagged = member_orders(orders.filter(pl.col("placed_at") < as_of), memberships, as_of=as_of)
    start = (
        pl.concat(
            [
                flagged.select("customer_id", at="placed_at"),
                memberships.select("customer_id", at="joined_at"),
            ]
        )
        .group_by("customer_id")
        .agg(start=pl.col("at").min())
    )
    end = pl.lit(as_of, dtype=UTC_TIME)
    member_days = (
        memberships.join(start, on="customer_id")
        .select(
            "customer_id",
            days=(
                pl.min_horizontal(pl.col("ended_at").fill_null(end), end)
                - pl.max_horizontal("joined_at", "start")
            )
            .dt.total_seconds()
            .clip(lower_bound=0)
            / 86_400,
        )
        .group_by("customer_id")
        .agg(member=pl.col("days").sum())
    )
    days = (
        start.join(member_days, on="customer_id", how="left")
        .with_columns(
            member=pl.col("member").fill_null(0.0),
            total=(end - pl.col("start")).dt.total_seconds() / 86_400,
        )
        .with_columns(non_member=pl.col("total") - pl.col("member"))
        .unpivot(index="customer_id", on=["member", "non_member"], variable_name="state")
        .filter(pl.col("value") > 0)
        .with_columns(state=pl.col("state").str.replace("_", "-"))
        .group_by("state")
        .agg(customers=pl.len().cast(pl.Int64), customer_days=pl.col("value").sum())
    )
    money = {"revenue_per_order_minor": pl.col("total_minor").mean()}
    if "margin_minor" in flagged.columns:
        money["margin_per_order_minor"] = pl.col("margin_minor").mean()
    if "shipping_minor" in flagged.columns:
        money["shipping_per_order_minor"] = pl.col("shipping_minor").mean()
    baskets = flagged.group_by(
        state=pl.when("member").then(pl.lit("member")).otherwise(pl.lit("non-member"))
    ).agg(orders=pl.len().cast(pl.Int64), items_per_order=pl.col("items").mean(), **money)
    return (
        days.join(baskets, on="state", how="left")
        .with_columns(pl.col("orders").fill_null(0))
        .with_columns(
            orders_per_30_days=pl.col("orders") / pl.col("customer_days") * PER.days,
        )
        .select(
            "state",
            "customers",
            "orders",
            "customer_days",
            "orders_per_30_days",
            "items_per_order",
            *money,
        )
        .sort("state")
    )


@dataclass(frozen=True)
class MembershipRates:
    """Churn and renewal over the memberships observed until ``as_of``.

    monthly_churn: spells ended / member-months lived; renewal_rate: renewals made / renewal
    dates reached (a spell that ends before or at its renewal date did not renew); None where
    nothing was at stake."""

    memberships: int
    active: int
    ended: int
    member_months: float
    monthly_churn: float | None
    renewals_due: int
    renewed: int
    renewal_rate: float | None


def membership_rates(
    memberships: pl.DataFrame, *, as_of: datetime, period: timedelta = timedelta(days=365)
) -> MembershipRates:
    """Churn and renewal of the spells that started before ``as_of``; ``period`` is the plan's
    (a year, or 30 days for a monthly plan)."""
    require(memberships, "memberships", "customer_id", "joined_at", "ended_at")
    if period <= timedelta(0):
        raise ValueError(f"period must be positive, got {period}")
    spells = memberships.filter(pl.col("joined_at") < as_of)
    due = renewed = 0
    ended = active = 0
    lived = 0.0
    for joined, ended_at in spells.select("joined_at", "ended_at").iter_rows():
        finished = ended_at is not None and ended_at <= as_of
        stop = ended_at if finished else as_of
        ended += finished
        active += not finished
        lived += (stop - joined) / PER
        # Renewal k falls at joined + k periods; it is due when reached before as_of while
        # the spell ran past renewal k-1, and made when the spell ran past it.
        reached = math.floor((as_of - joined) / period)
        if finished:
            periods = (ended_at - joined) / period
            due += min(reached, math.ceil(periods))
            renewed += max(0, min(reached, math.ceil(periods) - 1))
        else:
            due += reached
            renewed += reached
    return MembershipRates(
        memberships=spells.height,
        active=active,
        ended=ended,
        member_months=round(lived, 2),
        monthly_churn=ended / lived if lived else None,
        renewals_due=due,
        renewed=renewed,
        renewal_rate=renewed / due if due else None,
    )

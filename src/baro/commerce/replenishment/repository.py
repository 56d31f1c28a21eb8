"""The subscriptions' tables. Rows never leave this module: callers get domain objects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from baro.core.db import Base, UTCDateTime

from .domain import PlacedForYou, Status, Subscription


class SubscriptionRow(Base):
    __tablename__ = "replenishment_subscriptions"
    __table_args__ = (
        # One open (active or paused) subscription per customer and product, kept by the
        # database: ``open_product_id`` is the product while open and NULL once cancelled.
        UniqueConstraint("customer_id", "open_product_id"),
        Index("ix_replenishment_subscriptions_status_due", "status", "next_due_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    open_product_id: Mapped[str | None] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    # None: when the customer's own purchase cycle says (baro.intelligence.replenish).
    interval_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    cycle: Mapped[int] = mapped_column(Integer)  # the order it waits for, from 1
    # Tries of this cycle that failed: a declined key replays its decline, so a retry
    # needs a key of its own (replenish:<id>:<cycle>:<attempt>).
    attempt: Mapped[int] = mapped_column(Integer)
    next_due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The run placing this cycle now (compare and set): a second run skips it.
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_order_id: Mapped[str | None] = mapped_column(String(40))
    last_failure: Mapped[str | None] = mapped_column(String(300))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReplenishmentOrderRow(Base):
    """The order each cycle of a subscription placed: one per cycle, by primary key."""

    __tablename__ = "replenishment_orders"

    subscription_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    cycle: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str] = mapped_column(String(40))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


def subscription_of(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        customer_id=row.customer_id,
        product_id=row.product_id,
        quantity=row.quantity,
        interval_days=row.interval_days,
        status=Status(row.status),
        cycle=row.cycle,
        next_due_at=row.next_due_at,
        created_at=row.created_at,
        last_order_id=row.last_order_id,
        last_failure=row.last_failure,
        last_attempt_at=row.last_attempt_at,
    )


def placed_of(row: ReplenishmentOrderRow) -> PlacedForYou:
    return PlacedForYou(
        row.subscription_id,
        row.cycle,
        row.order_id,
        row.customer_id,
        row.product_id,
        row.placed_at,
    )

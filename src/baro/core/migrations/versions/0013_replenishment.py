"""Replenishment: a customer's subscriptions to a product (quantity, interval or their own
purchase cycle, status, cycle and next due date, the run holding a cycle), one open
subscription per customer and product; and the order each cycle placed, one per cycle.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "replenishment_subscriptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("open_product_id", sa.String(length=40), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("next_due_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("last_order_id", sa.String(length=40), nullable=True),
        sa.Column("last_failure", sa.String(length=300), nullable=True),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replenishment_subscriptions")),
        sa.UniqueConstraint(
            "customer_id",
            "open_product_id",
            name=op.f("uq_replenishment_subscriptions_customer_id_open_product_id"),
        ),
    )
    op.create_index(
        op.f("ix_replenishment_subscriptions_customer_id"),
        "replenishment_subscriptions",
        ["customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_replenishment_subscriptions_status_due",
        "replenishment_subscriptions",
        ["status", "next_due_at"],
        unique=False,
    )
    op.create_table(
        "replenishment_orders",
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "cycle", name=op.f("pk_replenishment_orders")),
    )
    op.create_index(
        op.f("ix_replenishment_orders_customer_id"),
        "replenishment_orders",
        ["customer_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_replenishment_orders_placed_at"),
        "replenishment_orders",
        ["placed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_replenishment_orders_placed_at"), table_name="replenishment_orders")
    op.drop_index(op.f("ix_replenishment_orders_customer_id"), table_name="replenishment_orders")
    op.drop_table("replenishment_orders")
    op.drop_index(
        "ix_replenishment_subscriptions_status_due", table_name="replenishment_subscriptions"
    )
    op.drop_index(
        op.f("ix_replenishment_subscriptions_customer_id"),
        table_name="replenishment_subscriptions",
    )
    op.drop_table("replenishment_subscriptions")

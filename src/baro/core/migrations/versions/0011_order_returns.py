"""Partial returns: the units of each order line the customer has sent back, and each
partial return of a delivered order with its own refund (gateway key
``<order id>:refund:<number>``). Orders returned before this revision came back whole: their
lines take their full quantity as returned.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("returned", sa.Integer(), server_default="0", nullable=False))
    # A customer's return was of the whole order until now; so was a locker's, which
    # moved the order to returned too (then refunded): either way every unit came back.
    op.execute(
        "UPDATE order_lines SET returned = quantity WHERE order_id IN ("
        " SELECT e.aggregate_id FROM outbox_events e WHERE e.event_type = 'order.returned')"
    )
    op.create_table(
        "order_returns",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("returned_at", UTCDateTime(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("refund_id", sa.String(length=64), nullable=True),
        sa.Column("refunded_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_returns_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", "number", name=op.f("pk_order_returns")),
    )
    op.create_index(
        "ix_order_returns_unrefunded", "order_returns", ["refund_id", "returned_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_order_returns_unrefunded", table_name="order_returns")
    op.drop_table("order_returns")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_column("returned")

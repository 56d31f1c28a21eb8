"""When an order was delivered, so that a customer's return is accepted for a window after
it. Orders delivered before this revision take the time of their ``order.delivered`` event
from the outbox; a delivered order without one (none is known) takes its placement time,
which closes its window earliest.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("delivered_at", UTCDateTime(), nullable=True))
    # Both columns are UTCDateTime, stored alike on each database: copied as they are.
    op.execute(
        "UPDATE orders SET delivered_at = ("
        " SELECT MAX(e.occurred_at) FROM outbox_events e"
        " WHERE e.aggregate_id = orders.id AND e.event_type = 'order.delivered')"
    )
    op.execute(
        "UPDATE orders SET delivered_at = placed_at"
        " WHERE status = 'delivered' AND delivered_at IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("delivered_at")

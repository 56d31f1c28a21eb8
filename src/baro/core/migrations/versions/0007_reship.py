"""Re-ship of a lost parcel: an order may replace a lost one (free of charge); one
re-ship per lost order, held by a unique constraint.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("reship_of", sa.String(length=40), nullable=True))
        batch.create_unique_constraint(op.f("uq_orders_reship_of"), ["reship_of"])
        batch.create_foreign_key(
            op.f("fk_orders_reship_of_orders"), "orders", ["reship_of"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint(op.f("fk_orders_reship_of_orders"), type_="foreignkey")
        batch.drop_constraint(op.f("uq_orders_reship_of"), type_="unique")
        batch.drop_column("reship_of")

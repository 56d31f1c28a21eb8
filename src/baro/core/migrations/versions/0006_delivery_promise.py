"""Orders keep the delivery promised at placement (option, fee, window); customers may
prefer an option for 1-Click.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("delivery_option", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("delivery_fee_minor", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("delivery_from", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("delivery_until", UTCDateTime(), nullable=True))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("delivery_preference", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("delivery_preference")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("delivery_until")
        batch.drop_column("delivery_from")
        batch.drop_column("delivery_fee_minor")
        batch.drop_column("delivery_option")

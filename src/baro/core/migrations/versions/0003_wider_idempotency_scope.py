"""An idempotency key's scope is a prefix plus an id of up to 40 characters
(``facility:<id>``): 40 characters overflowed it. 64 holds any prefix baro uses.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("scope", existing_type=sa.String(length=40), type_=sa.String(length=64))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("scope", existing_type=sa.String(length=64), type_=sa.String(length=40))

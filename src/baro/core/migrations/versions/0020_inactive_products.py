"""An index of the inactive products alone (a partial index: usually empty), so that search
can count them at every query for nothing: on SQLite it ranks the full-text matches first
and reads the products of the best only, and needs to know how many of those best may be
inactive (``search/index.py``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_INACTIVE = sa.text("NOT active")


def upgrade() -> None:
    op.create_index(
        "ix_products_inactive",
        "products",
        ["active"],
        sqlite_where=_INACTIVE,
        postgresql_where=_INACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_products_inactive", table_name="products")

"""The home page's recommendations: each trained model (a version, one active at a time),
its rows per customer (and the cold-start rows for everyone) and each product's
bought-together neighbours.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "home_models",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("built_at", UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("train_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_home_models")),
    )
    op.create_table(
        "home_pairs",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("version", "product_id", "position", name=op.f("pk_home_pairs")),
    )
    op.create_table(
        "home_rows",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "version", "customer_id", "kind", "position", name=op.f("pk_home_rows")
        ),
    )


def downgrade() -> None:
    op.drop_table("home_rows")
    op.drop_table("home_pairs")
    op.drop_table("home_models")

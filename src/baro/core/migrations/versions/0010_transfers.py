"""Transfers between facilities and the plans that send them: units in transit from one
facility's stock to another's, each plan with why it moves what it moves (its notes, the
expected local fill before and after), for the console.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from baro.core.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "transfer_plans",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("need_by", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("notes", JSON, nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("cost_minor", sa.BigInteger(), nullable=False),
        sa.Column("expected_demand", sa.Float(), nullable=True),
        sa.Column("expected_fill_before", sa.Float(), nullable=True),
        sa.Column("expected_fill_after", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_plans")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_transfer_plans_idempotency_key")),
    )
    op.create_index(op.f("ix_transfer_plans_made_at"), "transfer_plans", ["made_at"])
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("plan_id", sa.String(length=40), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("from_facility", sa.String(length=40), nullable=False),
        sa.Column("to_facility", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shipped_at", UTCDateTime(), nullable=False),
        sa.Column("arrives_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_transfers_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["from_facility"], ["facilities.id"], name=op.f("fk_transfers_from_facility_facilities")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["transfer_plans.id"], name=op.f("fk_transfers_plan_id_transfer_plans")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_transfers_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["to_facility"], ["facilities.id"], name=op.f("fk_transfers_to_facility_facilities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("plan_id", "line", name=op.f("uq_transfers_plan_id_line")),
    )
    op.create_index(op.f("ix_transfers_shipped_at"), "transfers", ["shipped_at"])
    op.create_index(
        "ix_transfers_status_arrives_at", "transfers", ["status", "arrives_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_transfers_status_arrives_at", table_name="transfers")
    op.drop_index(op.f("ix_transfers_shipped_at"), table_name="transfers")
    op.drop_table("transfers")
    op.drop_index(op.f("ix_transfer_plans_made_at"), table_name="transfer_plans")
    op.drop_table("transfer_plans")

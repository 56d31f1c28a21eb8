"""Devices and notifications: Dash buttons and appliances (their secrets and claim codes
stored hashed; a slot per consumable, with its level, pace, guard and held reorder), and the
customer's notifications (a device's price notice).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "devices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("signing_key", sa.String(length=64), nullable=False),
        sa.Column("claim_code_hash", sa.String(length=64), nullable=True),
        sa.Column("customer_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("claim_code_hash", name=op.f("uq_devices_claim_code_hash")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_devices_secret_hash")),
    )
    op.create_index(op.f("ix_devices_customer_id"), "devices", ["customer_id"], unique=False)
    op.create_table(
        "device_slots",
        sa.Column("device_id", sa.String(length=40), nullable=False),
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Float(), nullable=False),
        sa.Column("level", sa.Float(), nullable=True),
        sa.Column("level_at", UTCDateTime(), nullable=True),
        sa.Column("rate_per_day", sa.Float(), nullable=True),
        sa.Column("use_variance", sa.Float(), nullable=True),
        sa.Column("reading_days", sa.Float(), nullable=True),
        sa.Column("observed_days", sa.Float(), nullable=False),
        sa.Column("guard", sa.Boolean(), nullable=False),
        sa.Column("max_price_rise_pct", sa.Integer(), nullable=False),
        sa.Column("reference_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("open_press_id", sa.String(length=80), nullable=True),
        sa.Column("open_order_id", sa.String(length=40), nullable=True),
        sa.Column("open_since", UTCDateTime(), nullable=True),
        sa.Column("held_press_id", sa.String(length=80), nullable=True),
        sa.Column("held_price_minor", sa.BigInteger(), nullable=True),
        sa.Column("lead_days", sa.Float(), nullable=False),
        sa.Column("lead_from_days", sa.Float(), nullable=True),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("reordered_cycle", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_device_slots_device_id_devices")
        ),
        sa.PrimaryKeyConstraint("device_id", "slot", name=op.f("pk_device_slots")),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("order_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_customer_created",
        "notifications",
        ["customer_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_customer_created", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("device_slots")
    op.drop_index(op.f("ix_devices_customer_id"), table_name="devices")
    op.drop_table("devices")

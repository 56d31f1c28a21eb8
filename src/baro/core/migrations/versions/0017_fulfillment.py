"""The fulfillment center's WMS: the item master (barcodes, sizes), storage bins (zone,
volume, weight limit, pod and shelf, the walk to the pick stations) and their stock, units
in receiving and packing, inbound shipments and their lines, orders on the floor, pick
tasks, and bad scans counted per facility and kind.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_items",
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("length_cm", sa.Integer(), nullable=False),
        sa.Column("width_cm", sa.Integer(), nullable=False),
        sa.Column("height_cm", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_fulfillment_items")),
        sa.UniqueConstraint("sku", name=op.f("uq_fulfillment_items_sku")),
    )
    op.create_table(
        "fulfillment_bins",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("zone", sa.String(length=40), nullable=False),
        sa.Column("volume_cm3", sa.Integer(), nullable=False),
        sa.Column("max_weight_g", sa.Integer(), nullable=False),
        sa.Column("station_distance", sa.Integer(), nullable=False),
        sa.Column("pod", sa.String(length=40), nullable=True),
        sa.Column("shelf", sa.Integer(), nullable=True),
        sa.Column("dedicated_to", sa.String(length=40), nullable=True),
        sa.Column("used_volume_cm3", sa.Integer(), nullable=False),
        sa.Column("used_weight_g", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "used_volume_cm3 >= 0 AND used_volume_cm3 <= volume_cm3",
            name=op.f("ck_fulfillment_bins_volume"),
        ),
        sa.CheckConstraint(
            "used_weight_g >= 0 AND used_weight_g <= max_weight_g",
            name=op.f("ck_fulfillment_bins_weight"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_bins_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_bins")),
    )
    op.create_index(
        op.f("ix_fulfillment_bins_facility_id"), "fulfillment_bins", ["facility_id"], unique=False
    )
    op.create_table(
        "fulfillment_inbounds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("landed", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_inbounds_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_inbounds")),
    )
    op.create_index(
        op.f("ix_fulfillment_inbounds_facility_id"),
        "fulfillment_inbounds",
        ["facility_id"],
        unique=False,
    )
    op.create_table(
        "fulfillment_orders",
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("pick_list_id", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=False),
        sa.Column("box", sa.String(length=16), nullable=True),
        sa.Column("weight_g", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_orders_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_fulfillment_orders")),
    )
    op.create_index(
        op.f("ix_fulfillment_orders_facility_id"),
        "fulfillment_orders",
        ["facility_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fulfillment_orders_pick_list_id"),
        "fulfillment_orders",
        ["pick_list_id"],
        unique=False,
    )
    op.create_table(
        "fulfillment_scan_errors",
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_scan_errors_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("facility_id", "kind", name=op.f("pk_fulfillment_scan_errors")),
    )
    op.create_table(
        "fulfillment_staged",
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.CheckConstraint("units >= 0", name=op.f("ck_fulfillment_staged_units_not_negative")),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_staged_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint(
            "facility_id", "product_id", "area", name=op.f("pk_fulfillment_staged")
        ),
    )
    op.create_table(
        "fulfillment_bin_stock",
        sa.Column("bin_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "allocated >= 0 AND allocated <= units",
            name=op.f("ck_fulfillment_bin_stock_allocated_within_units"),
        ),
        sa.ForeignKeyConstraint(
            ["bin_id"],
            ["fulfillment_bins.id"],
            name=op.f("fk_fulfillment_bin_stock_bin_id_fulfillment_bins"),
        ),
        sa.PrimaryKeyConstraint("bin_id", "product_id", name=op.f("pk_fulfillment_bin_stock")),
    )
    op.create_index(
        op.f("ix_fulfillment_bin_stock_product_id"),
        "fulfillment_bin_stock",
        ["product_id"],
        unique=False,
    )
    op.create_table(
        "fulfillment_inbound_lines",
        sa.Column("inbound_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["fulfillment_inbounds.id"],
            name=op.f("fk_fulfillment_inbound_lines_inbound_id_fulfillment_inbounds"),
        ),
        sa.PrimaryKeyConstraint(
            "inbound_id", "product_id", name=op.f("pk_fulfillment_inbound_lines")
        ),
    )
    op.create_table(
        "fulfillment_pick_tasks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("pick_list_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("bin_id", sa.String(length=40), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "picked >= 0 AND picked <= units",
            name=op.f("ck_fulfillment_pick_tasks_picked_within_units"),
        ),
        sa.ForeignKeyConstraint(
            ["bin_id"],
            ["fulfillment_bins.id"],
            name=op.f("fk_fulfillment_pick_tasks_bin_id_fulfillment_bins"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["fulfillment_orders.order_id"],
            name=op.f("fk_fulfillment_pick_tasks_order_id_fulfillment_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_pick_tasks")),
    )
    op.create_index(
        "ix_fulfillment_pick_tasks_list_seq",
        "fulfillment_pick_tasks",
        ["pick_list_id", "seq"],
        unique=False,
    )
    op.create_index(
        op.f("ix_fulfillment_pick_tasks_order_id"),
        "fulfillment_pick_tasks",
        ["order_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "fulfillment_pick_tasks",
        "fulfillment_inbound_lines",
        "fulfillment_bin_stock",
        "fulfillment_staged",
        "fulfillment_scan_errors",
        "fulfillment_orders",
        "fulfillment_inbounds",
        "fulfillment_bins",
        "fulfillment_items",
    ):
        op.drop_table(table)  # its indexes go with it
